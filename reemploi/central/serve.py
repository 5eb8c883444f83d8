"""Run the app under gunicorn, in-process (no shell, no second entry point).

gunicorn's pre-fork model: each worker imports the app after the fork, so each opens
its own PostgreSQL pool (connections never cross a fork). ``gthread`` workers with a
few threads each keep a slow client from holding a whole worker.
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from .config import ServerConfig


class _Gunicorn(BaseApplication):
    def __init__(self, config: ServerConfig, options: dict) -> None:
        self._config = config
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        from .app import create_app
        return create_app(self._config)


def run(config: ServerConfig) -> None:
    host, port = config.host_port
    threads = config.threads
    _Gunicorn(config, {"bind": f"{host}:{port}", "workers": config.workers,
                       "worker_class": "gthread", "threads": threads, "timeout": 120,
                       "graceful_timeout": 10, "accesslog": None, "errorlog": "-",
                       "loglevel": "warning", "proc_name": "reemploi-server"}).run()
