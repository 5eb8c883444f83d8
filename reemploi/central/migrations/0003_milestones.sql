-- The figures read summaries kept by the folder (reemploi/central/milestones.py)
-- instead of grouping every event of a year: one row per machine, year and stage
-- (the first day it reached the stage in that year; for grade and outcome, the last
-- value of the year), each lot's units, and counts per year, month, station and stage
-- or value.

CREATE TABLE milestones (
    station_id    text NOT NULL REFERENCES stations,
    asset_id      text NOT NULL,
    year          integer NOT NULL,            -- Europe/Paris, as the stations' stats
    stage         text NOT NULL,               -- received … out, grade, outcome
    time          timestamptz NOT NULL,        -- the event that set it
    day           text NOT NULL,               -- its local date, YYYY-MM-DD
    tag           text,                        -- grade / outcome: the value; received: the lot
    PRIMARY KEY (station_id, asset_id, year, stage)
);

CREATE TABLE lot_units (
    station_id    text NOT NULL REFERENCES stations,
    lot_id        text NOT NULL,
    year          integer NOT NULL,            -- when the lot was received (local time)
    month         text NOT NULL,
    units         integer NOT NULL,            -- declared lines reconciled with the ids created
    PRIMARY KEY (station_id, lot_id)
);

CREATE TABLE tallies (
    year          integer NOT NULL,
    month         text NOT NULL,               -- YYYY-MM for stages, '' for values
    station_id    text NOT NULL REFERENCES stations,
    what          text NOT NULL,               -- a stage, grade, outcome, erasure-ok, erasure-failed
    key           text NOT NULL,               -- the grade, destination or wipe method; '' for stages
    n             bigint NOT NULL,
    PRIMARY KEY (year, month, station_id, what, key)
);

-- What the lot counts read without opening documents: a machine's chassis (its kind
-- when the intake said only "computer") and when its lot was received.
ALTER TABLE assets ADD COLUMN chassis text;
ALTER TABLE lots ADD COLUMN created text;
CREATE INDEX assets_lot ON assets (station_id, lot_id) WHERE lot_id IS NOT NULL;

-- Search (queries.search): asset ids in byte order and by prefix whatever the
-- database's collation (ids are ASCII); make, model and serial by trigrams, with
-- statistics fine enough for the planner to tell a common model from a rare serial.
CREATE INDEX assets_id_c ON assets ((asset_id COLLATE "C"));
-- Make, model and serial only: ids are searched by their beginning (the index above);
-- in the trigram index they would make every term with "-26" or "000" read it all.
DROP INDEX assets_search;
ALTER TABLE assets DROP COLUMN search;
ALTER TABLE assets ADD COLUMN search text GENERATED ALWAYS AS (lower(coalesce(vendor, '')
    || ' ' || coalesce(product, '') || ' ' || coalesce(serial, ''))) STORED;
CREATE INDEX assets_search ON assets USING gin (search gin_trgm_ops);
ALTER TABLE assets ALTER COLUMN search SET STATISTICS 1000;

-- The state tables are a projection of the stored lines (as a station's projection
-- is of its journal): rebuilt by the folder from line 1, with the new tables, when
-- the server starts (``folder.catch_up_all``) or by ``reemploi server fold``. Matches,
-- links and the server's own journal are decisions, not projections: they stay.
TRUNCATE assets, lots, donors, identities, facts;
UPDATE stations SET folded_seq = 0;
