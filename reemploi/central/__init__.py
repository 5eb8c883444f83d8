"""The central server: many stations' journals, one inventory, in PostgreSQL.

Stations push their raw journal lines (``reemploi.sync`` on the station side); the
server re-checks every hash and the chain, stores the lines untouched (the legal
record), folds them with the stations' own fold (``reemploi.inventory.fold``) into
current-state tables, proposes matches between stations on strong identities, and
serves a web view (French first, no JavaScript), a public page per machine and a
versioned JSON API. See docs/central.md.

Modules: ``config`` (TOML/env), ``db`` (connections, migrations), ``chain`` (line
checks on bytes), ``ingest`` (one push, one transaction), ``fold_sql`` (the stations'
fold into SQL tables), ``matching``, ``figures`` (stats in SQL), ``keys`` (the server's
Ed25519 key, receipts), ``auth`` (accounts, sessions, CSRF, tokens), ``app`` (Flask),
``web``/``public``/``api`` (routes), ``exports`` (CSV/XLSX/PDF), ``serve`` (gunicorn).
"""
