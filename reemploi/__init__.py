"""reemploi: probe, grade, wipe, image, label and report on donated computers."""

__version__ = "0.1.0"

# Before any of the package's dataclasses is created: their generated methods come
# from a cache instead of being compiled at every start (dataclass_cache.py, issue 16).
from . import dataclass_cache as _dataclass_cache  # noqa: E402

_dataclass_cache.install()

# pathlib imports urllib.parse (9.5 M instructions with ipaddress) for Path.as_uri
# alone: it is imported when something uses it instead (ondemand.py, issue 16).
from . import ondemand as _ondemand  # noqa: E402

_ondemand.stand_in("urllib.parse", unless=("pathlib",), lazy=("quote_from_bytes",))
