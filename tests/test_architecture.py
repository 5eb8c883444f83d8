"""House rules that hold for the whole package: one door to subprocess, help and
exit codes documented, no import cycle between modules nor between the stages'
packages, no file over 500 lines."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "reemploi"
RUNNER = PKG / "system" / "runner.py"
MAX_LINES = 500           # STYLE.md: "split a module when it passes ~500 lines"


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


# --- import graph -------------------------------------------------------------------

def _module_name(path: Path) -> tuple[str, bool]:
    """``reemploi/wipe/engine.py`` -> ("reemploi.wipe.engine", False); a package's
    ``__init__.py`` -> (its package name, True)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _modules() -> dict[str, tuple[Path, bool]]:
    return {name: (path, is_pkg) for path in sorted(PKG.rglob("*.py"))
            for name, is_pkg in [_module_name(path)]}


def _known(name: str, modules) -> str | None:
    """The module ``name`` refers to: itself, else its nearest enclosing package."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_edges(name: str, path: Path, is_pkg: bool, modules) -> set[str]:
    """Every reemploi module that ``name`` imports, wherever the import statement is:
    module level, inside a function (a cycle postponed to call time is still a
    cycle: the two modules cannot be understood or tested apart) or under
    ``TYPE_CHECKING``. Relative imports are resolved against the module's package;
    ``from pkg import x`` counts as importing ``pkg.x`` when x is a submodule, else
    ``pkg`` itself. Imports by ``importlib`` with a computed name (the CLI's lazy
    commands, the event-type registry) are not statements and are not seen."""
    package = name if is_pkg else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.update(filter(None, (_known(a.name, modules) for a in node.names)))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                target = f"{source}.{alias.name}"
                found = target if target in modules else _known(source, modules)
                if found:
                    out.add(found)
    out.discard(name)
    return out


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: import_edges(name, path, is_pkg, modules)
            for name, (path, is_pkg) in modules.items()}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle path (first module repeated at the end) per strongly connected
    component of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return [_cycle_path(graph, set(c)) for c in components]


def _cycle_path(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """The shortest way from the component's first module back to itself (BFS)."""
    start = min(component)
    previous: dict[str, str] = {}
    queue = [start]
    for node in queue:
        for child in sorted(graph[node] & component):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return path[::-1] + [start]
            if child not in previous:
                previous[child] = node
                queue.append(child)
    raise AssertionError(f"no cycle in {sorted(component)}")


def test_no_import_cycle_between_modules():
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_cycle_finder_finds_a_cycle_and_its_path():
    """The guard above can fail: a planted cycle is found, reported by its path."""
    graph = {"a": {"b"}, "b": {"c", "d"}, "c": {"a"}, "d": {"b"}, "e": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert find_cycles({"x": {"y"}, "y": set()}) == []


def test_import_edges_resolve_relative_function_local_and_submodule_imports(tmp_path):
    pkg = tmp_path / "p"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .a import f\n")
    (pkg / "a.py").write_text("def f():\n    from .sub import b\n    from . import c\n")
    (pkg / "c.py").write_text("from p.sub.b import thing\nfrom p import a\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text("from .. import VALUE\nfrom ..a import f\n")
    modules = {"p": (pkg / "__init__.py", True), "p.a": (pkg / "a.py", False),
               "p.c": (pkg / "c.py", False), "p.sub": (pkg / "sub" / "__init__.py", True),
               "p.sub.b": (pkg / "sub" / "b.py", False)}
    graph = {n: import_edges(n, path, is_pkg, modules) for n, (path, is_pkg) in modules.items()}
    assert graph["p"] == {"p.a"}
    assert graph["p.a"] == {"p.sub.b", "p.c"}           # inside a function, relative
    assert graph["p.c"] == {"p.sub.b", "p.a"}           # absolute; `from p import a`: p.a
    assert graph["p.sub.b"] == {"p", "p.a"}             # `..VALUE` is the package itself
    # one tangle of four modules; reported by its shortest loop from the first name
    assert find_cycles(graph) == [["p", "p.a", "p.sub.b", "p"]]


def top_level(module: str) -> str:
    """The part of reemploi a module belongs to: its stage package
    (``reemploi.wipe.engine`` -> ``reemploi.wipe``), else the root module itself
    (``reemploi.errors``, ``reemploi.context``) or the root package ``reemploi``."""
    return ".".join(module.split(".")[:2])


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The module graph folded onto ``top_level``: an edge X -> Y when any module of X
    imports any module of Y (function-local imports included, as above)."""
    out: dict[str, set[str]] = {}
    for module, targets in graph.items():
        out.setdefault(top_level(module), set())
        for target in targets:
            out.setdefault(top_level(target), set())
            if top_level(target) != top_level(module):
                out[top_level(module)].add(top_level(target))
    return out


def test_no_import_cycle_between_packages():
    """The stages are layers (STYLE.md: machine -> probe -> grade -> wipe -> image ->
    documents -> stats): two packages that import each other, even through modules
    that do not form a module cycle (grade.service -> inventory.ids while
    inventory.describe -> grade.render), cannot be understood, tested or moved apart.

    No package and no root module is exempt. Each root module is its own node rather
    than one "reemploi" hub: errors, i18n, model, vocabulary and identity import no
    stage, so they are below all; context.py opens the inventory, so it is above it and
    nothing below the inventory may take a Context; cli is imported by nothing but
    ``__main__``. An exemption would hide exactly the cycles this test is for (a hub
    that everything imports and that imports a stage closes a loop through it)."""
    graph = import_graph()
    cycles = find_cycles(package_graph(graph))
    detail = []
    for cycle in cycles:
        for a, b in zip(cycle, cycle[1:]):
            why = sorted(f"{m} -> {t}" for m, ts in graph.items() if top_level(m) == a
                         for t in ts if top_level(t) == b)
            detail.append(f"  {a} -> {b}: " + ", ".join(why))
    assert not cycles, ("import cycles between packages:\n"
                        + "\n".join(" -> ".join(c) for c in cycles) + "\n" + "\n".join(detail))


def test_the_package_check_finds_a_cycle_no_module_cycle_shows():
    """The guard above can fail: two packages that import each other through different
    modules (no module cycle at all) are one package cycle; a root module that imports
    a stage is a node of its own, not a free pass."""
    graph = {"reemploi.grade.service": {"reemploi.inventory.ids", "reemploi.model"},
             "reemploi.grade.render": {"reemploi.i18n"},
             "reemploi.inventory.ids": {"reemploi.model"},
             "reemploi.inventory.describe": {"reemploi.grade.render"},
             "reemploi.model": set(), "reemploi.i18n": set()}
    assert find_cycles(graph) == []
    assert find_cycles(package_graph(graph)) == [["reemploi.grade", "reemploi.inventory",
                                                   "reemploi.grade"]]
    layered = {"reemploi.context": {"reemploi.inventory.store"},
               "reemploi.inventory.store": {"reemploi.model"},
               "reemploi.wipe.run": {"reemploi.context"}, "reemploi.model": set()}
    assert find_cycles(package_graph(layered)) == []
    layered["reemploi.inventory.store"].add("reemploi.context")     # store takes a Context
    assert find_cycles(package_graph(layered)) == [["reemploi.context", "reemploi.inventory",
                                                    "reemploi.context"]]


# --- file length --------------------------------------------------------------------

# Tests, benchmarks and scripts are code that people read and change too (STYLE.md
# asks "files under 500 lines" of the project, not of the package alone), and they
# all fit today; the live-build config under live/ holds no Python.
CHECKED = ("reemploi", "tests", "benchmarks", "scripts")


def _python_files():
    for top in CHECKED:
        yield from sorted((ROOT / top).rglob("*.py"))


@pytest.mark.parametrize("path", list(_python_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_file_over_500_lines(path):
    with open(path, "rb") as fh:
        lines = sum(1 for _ in fh)
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines (> {MAX_LINES}): split it"
