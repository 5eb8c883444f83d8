-- reemploi central server: first schema.
-- Applied once, in one transaction, by reemploi.central.db.migrate (recorded in
-- schema_migrations). Never edit an applied migration: add 0002_*.sql instead.

-- One row per station: prefix + station code (TRI-A) is the primary key, so an asset
-- id (TRI-A-26-00042) can never be issued by two enrolled sticks at once.
CREATE TABLE stations (
    station_id    text PRIMARY KEY,
    prefix        text NOT NULL,
    code          text NOT NULL,
    workshop      text NOT NULL DEFAULT '',
    public_key    bytea,                       -- raw Ed25519 (32 bytes) of the active key
    fingerprint   text,
    genesis_hash  text,                        -- hash of journal line 1, once known
    head_seq      bigint NOT NULL DEFAULT 0,
    head_hash     text NOT NULL DEFAULT '',
    status        text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'active', 'revoked')),
    enrolled_at   timestamptz,
    last_push_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Every key a station ever had; a revoked key stays, so old receipts still verify.
CREATE TABLE station_keys (
    fingerprint   text PRIMARY KEY,
    station_id    text NOT NULL REFERENCES stations,
    public_key    bytea NOT NULL,
    added_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    revoked_by    text
);

-- A station asks to enrol (or to restore onto a new stick); a coordinator types the
-- one-time code shown on the station into the web view to approve it.
CREATE TABLE enrolments (
    id            bigserial PRIMARY KEY,
    code_hash     text NOT NULL UNIQUE,        -- SHA-256 of the one-time code
    station_id    text NOT NULL,
    prefix        text NOT NULL,
    code          text NOT NULL,
    workshop      text NOT NULL DEFAULT '',
    public_key    bytea NOT NULL,
    fingerprint   text NOT NULL,
    genesis_hash  text NOT NULL DEFAULT '',
    restore       boolean NOT NULL DEFAULT false,
    state         text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'approved', 'refused', 'expired')),
    requested_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    decided_by    text,
    decided_at    timestamptz
);

-- The raw journal lines, exactly as the station wrote them (the legal record), with
-- the few fields the server indexes. Never updated, never deleted.
CREATE TABLE events (
    station_id    text NOT NULL REFERENCES stations,
    seq           bigint NOT NULL,
    hash          text NOT NULL,
    prev          text NOT NULL,
    event_id      text NOT NULL,
    time          timestamptz NOT NULL,
    type          text NOT NULL,
    asset_id      text,
    tag           text,                        -- status.changed: to; wipe.done/image.written:
                                               -- result; checkout: destination kind;
                                               -- asset.created: machine|part
    subtag        text,                        -- wipe.done: method
    line          bytea NOT NULL,
    PRIMARY KEY (station_id, seq)
);
CREATE INDEX events_asset ON events (asset_id, station_id, seq) WHERE asset_id IS NOT NULL;
CREATE INDEX events_type_time ON events (type, time);

-- Signed receipts handed back to stations: the off-station anchor.
CREATE TABLE receipts (
    station_id    text NOT NULL REFERENCES stations,
    seq           bigint NOT NULL,
    hash          text NOT NULL,
    received      bigint NOT NULL,             -- lines inserted by that push
    body          jsonb NOT NULL,              -- what was signed
    signature     text NOT NULL,               -- base64 Ed25519 by the server key
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (station_id, seq)
);

-- Integrity incidents: forks, tampered lines, forged signatures, revoked keys used.
CREATE TABLE incidents (
    id            bigserial PRIMARY KEY,
    station_id    text,
    kind          text NOT NULL,
    seq           bigint,
    detail        jsonb NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    resolved_at   timestamptz,
    resolved_by   text
);
CREATE INDEX incidents_open ON incidents (created_at) WHERE resolved_at IS NULL;

-- Current state, folded by the stations' own fold (reemploi.inventory.fold): one row
-- per record, the fold's document in ``doc``, a few columns pulled out for SQL.
CREATE TABLE assets (
    station_id    text NOT NULL REFERENCES stations,
    asset_id      text NOT NULL,
    kind          text,
    device_kind   text,
    status        text,
    lot_id        text,
    donor_id      text,
    grade         text,
    vendor        text,
    product       text,
    serial        text,
    updated       text,
    doc           jsonb NOT NULL,
    search        text GENERATED ALWAYS AS (lower(asset_id || ' ' || coalesce(vendor, '') || ' '
                  || coalesce(product, '') || ' ' || coalesce(serial, ''))) STORED,
    PRIMARY KEY (station_id, asset_id)
);
CREATE INDEX assets_id ON assets (asset_id);
CREATE INDEX assets_status ON assets (status);
-- Trigram index: "lati" finds "Latitude E6410" anywhere in the text (pg_trgm is a
-- trusted extension since PostgreSQL 13: the database owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX assets_search ON assets USING gin (search gin_trgm_ops);

CREATE TABLE lots (
    station_id    text NOT NULL REFERENCES stations,
    lot_id        text NOT NULL,
    donor_id      text,
    date          text,
    doc           jsonb NOT NULL,
    PRIMARY KEY (station_id, lot_id)
);

CREATE TABLE donors (
    station_id    text NOT NULL REFERENCES stations,
    donor_id      text NOT NULL,
    name          text,
    doc           jsonb NOT NULL,
    PRIMARY KEY (station_id, donor_id)
);

-- Strong identities only (DMI serial, DMI UUID, disk serial): what matching reads.
CREATE TABLE identities (
    kind          text NOT NULL CHECK (kind IN ('dmi-serial', 'dmi-uuid', 'disk')),
    value         text NOT NULL,
    station_id    text NOT NULL,
    asset_id      text NOT NULL,
    PRIMARY KEY (kind, value, station_id, asset_id)
);

-- The central journal: what the server itself decided (links, approvals, revocations).
-- Station events are never rewritten; a link is a new event here.
CREATE TABLE central_events (
    seq           bigserial PRIMARY KEY,
    time          timestamptz NOT NULL DEFAULT now(),
    type          text NOT NULL,
    operator      text,
    payload       jsonb NOT NULL
);

-- Proposed matches between assets of different stations, on a strong identity.
CREATE TABLE matches (
    id            bigserial PRIMARY KEY,
    a_station     text NOT NULL,
    a_asset       text NOT NULL,
    b_station     text NOT NULL,
    b_asset       text NOT NULL,
    reason        text NOT NULL,
    value         text NOT NULL,
    state         text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'confirmed', 'rejected')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    decided_by    text,
    decided_at    timestamptz,
    UNIQUE (a_station, a_asset, b_station, b_asset)
);

-- Confirmed links: alias (station, asset) -> root (station, asset).
CREATE TABLE links (
    alias_station text NOT NULL,
    alias_asset   text NOT NULL,
    root_station  text NOT NULL,
    root_asset    text NOT NULL,
    central_seq   bigint NOT NULL REFERENCES central_events,
    PRIMARY KEY (alias_station, alias_asset)
);
CREATE INDEX links_root ON links (root_station, root_asset);

-- Workshop staff.
CREATE TABLE users (
    id            serial PRIMARY KEY,
    login         text NOT NULL UNIQUE,
    display_name  text NOT NULL DEFAULT '',
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('coordinator', 'technician', 'read-only')),
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Server-side sessions: the cookie holds a random token; we store its SHA-256.
CREATE TABLE sessions (
    token_hash    text PRIMARY KEY,
    user_id       integer NOT NULL REFERENCES users ON DELETE CASCADE,
    csrf          text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);

-- Tokens for scripts reading the JSON API.
CREATE TABLE api_tokens (
    token_hash    text PRIMARY KEY,
    name          text NOT NULL,
    role          text NOT NULL CHECK (role IN ('coordinator', 'technician', 'read-only')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz
);

-- Server-wide values shared by every worker (the session secret).
CREATE TABLE server_settings (
    key           text PRIMARY KEY,
    value         text NOT NULL
);
