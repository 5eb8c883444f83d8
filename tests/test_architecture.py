"""House rules that hold for the whole package."""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "reemploi"
RUNNER = PKG / "system" / "runner.py"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(PKG.rglob("*.py")), ids=lambda p: str(p.relative_to(PKG)))
def test_only_the_runner_imports_subprocess(path):
    if path == RUNNER:
        assert "subprocess" in _imports(path)
    else:
        assert not {"subprocess", "pty"} & _imports(path), f"{path} must use system.runner"


def test_every_command_has_help():
    from reemploi.cli.main import cli
    import click

    def walk(cmd, name):
        assert cmd.help, f"command {name} has no help text"
        if isinstance(cmd, click.Group):
            for sub, subcmd in cmd.commands.items():
                walk(subcmd, f"{name} {sub}")
    walk(cli, "reemploi")


def test_exit_code_table_in_readme_matches_enum():
    from reemploi.errors import ExitCode
    readme = (PKG.parent / "README.md").read_text(encoding="utf-8")
    for code in ExitCode:
        assert f"| {code.value} | `{code.name}`" in readme, f"README lacks exit code {code.name}"
