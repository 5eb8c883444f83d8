"""Server configuration (TOML, environment on top) and the versioned migrations."""

from __future__ import annotations

import pytest

from reemploi.central import db
from reemploi.central.config import load_config
from reemploi.errors import BadInput


def test_toml_then_environment(tmp_path):
    path = tmp_path / "server.toml"
    path.write_text('[server]\ndatabase_url = "postgresql:///x"\nlisten = "0.0.0.0:9000"\n'
                    'network = "Réseau"\nworkers = 3\nsecure_cookies = true\n', encoding="utf-8")
    config = load_config(path, environ={})
    assert (config.database_url, config.host_port, config.network, config.workers,
            config.secure_cookies) == ("postgresql:///x", ("0.0.0.0", 9000), "Réseau", 3, True)
    config = load_config(path, environ={"REEMPLOI_WORKERS": "5", "REEMPLOI_LISTEN": "127.0.0.1:1"})
    assert config.workers == 5 and config.host_port == ("127.0.0.1", 1)
    assert load_config(None, environ={"REEMPLOI_SERVER_CONFIG": str(path)}).workers == 3


@pytest.mark.parametrize("text, env", [
    ('[server]\nworkers = "many"\n', {}),
    ('[server]\nlisten = "nowhere"\n', {}),
    ('[server]\ndatbase_url = "typo"\n', {}),
    ('[server\n', {}),
    ("", {"REEMPLOI_SECURE_COOKIES": "perhaps"}),
])
def test_bad_configuration_is_a_clear_error(tmp_path, text, env):
    path = tmp_path / "server.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput):
        load_config(path, environ=env)


def test_migrations_apply_once_in_order(pg):
    url = pg.create_db("migrations")
    with db.connect(url) as conn:
        assert db.pending(conn) == [v for v, _, _ in db.migrations()]
        assert db.migrate(conn) == [1, 2, 3, 4, 5]
        assert db.migrate(conn) == [] and db.pending(conn) == []
        rows = conn.execute("SELECT version, name FROM schema_migrations ORDER BY 1").fetchall()
        assert [(r["version"], r["name"]) for r in rows] == [(1, "init"), (2, "folding"), (3, "milestones"), (4, "corrections"), (5, "ingest")]
        # 0002 moved the figures' columns to ``facts``.
        cols = {r["column_name"] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'events'")}
        assert "tag" not in cols and "line" in cols
