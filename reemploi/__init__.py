"""reemploi: probe, grade, wipe, image, label and report on donated computers."""

__version__ = "0.1.0"

# Before any of the package's dataclasses is created: their generated methods come
# from a cache instead of being compiled at every start (dataclass_cache.py, issue 16).
from . import dataclass_cache as _dataclass_cache  # noqa: E402

_dataclass_cache.install()
