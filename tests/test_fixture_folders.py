"""The machine folders must survive git: what a clone checks out is what tests read.

Git stores files and symlinks, never an empty directory. A folder that works here but
leans on an empty directory (``wireless/``, a driver's ``drivers/NAME/``) fails on a
clean clone, as CI found once for the Wi-Fi kind and driver names.
"""

from pathlib import Path

import pytest

MACHINES = Path(__file__).parent / "fixtures" / "machines"
FOLDERS = sorted(p for p in MACHINES.iterdir() if (p / "SOURCES.md").exists())


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_no_empty_directory(folder):
    empty = [str(p.relative_to(folder)) for p in folder.rglob("*")
             if p.is_dir() and not p.is_symlink() and not any(p.iterdir())]
    assert empty == []


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_only_driver_links_dangle(folder):
    """A dangling link is only allowed where a recording leaves it: a driver's name."""
    dangling = [str(p.relative_to(folder)) for p in folder.rglob("*")
                if p.is_symlink() and not p.exists() and p.name != "driver"]
    assert dangling == []


def test_there_are_folders():
    assert len(FOLDERS) >= 6
