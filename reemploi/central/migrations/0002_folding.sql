-- Folding moves behind the pushes (reemploi/central/folder.py): a push stores and
-- receipts its lines; a folder per station brings the state tables up to
-- ``folded_seq`` in batches. The values the figures group by move from two columns of
-- every event to a narrow table of the events the figures read.

ALTER TABLE stations ADD COLUMN folded_seq bigint NOT NULL DEFAULT 0;
-- Lines stored before this migration were folded at ingest.
UPDATE stations SET folded_seq = head_seq;

CREATE TABLE facts (
    station_id    text NOT NULL REFERENCES stations,
    seq           bigint NOT NULL,
    asset_id      text NOT NULL,
    time          timestamptz NOT NULL,
    type          text NOT NULL,
    tag           text,                        -- status.changed: to; wipe.done/image.written:
                                               -- result; checkout: destination kind;
                                               -- asset.created: machine|part
    subtag        text,                        -- wipe.done: method
    PRIMARY KEY (station_id, seq)
);
CREATE INDEX facts_time ON facts (time);

INSERT INTO facts (station_id, seq, asset_id, time, type, tag, subtag)
SELECT station_id, seq, asset_id, time, type, tag, subtag FROM events
WHERE asset_id IS NOT NULL AND type IN ('asset.created', 'asset.graded', 'status.changed',
                                        'wipe.done', 'image.written', 'checkout', 'built');

ALTER TABLE events DROP COLUMN tag, DROP COLUMN subtag;
DROP INDEX events_type_time;
