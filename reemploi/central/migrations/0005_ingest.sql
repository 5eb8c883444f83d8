-- Ingest (issue 15: ≥ 20 000 events/s): the raw lines of probes (dmidecode, smartctl:
-- 2 to 5 kB) pass PostgreSQL's TOAST threshold and are compressed as they are
-- COPYed. lz4 compresses them several times faster than the default pglz, for a
-- slightly larger table: measured on 20 000 corpus-shaped lines (one in ten over
-- 2 kB), COPY into ``events`` went from 0.71 s to 0.40 s (benchmarks/central.py,
-- docs/benchmarks.md). Only the storage of new rows changes; nothing about
-- durability. A PostgreSQL built without lz4 (Debian's and PGDG's are built with it)
-- keeps pglz.
DO $$
BEGIN
    ALTER TABLE events ALTER COLUMN line SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'lz4 not available: events.line keeps the default compression';
END $$;
