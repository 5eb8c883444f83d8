-- Corrections, voids and built machines in the figures (reemploi/central/milestones.py):
-- a milestone row is what a machine's events proved; ``counted`` says whether the
-- tallies hold it (not for a voided machine, one of a voided lot, or a part; a
-- ``received`` row only for a machine without a known lot). A void or a correction
-- folded later flips the rows of the machines it touches and moves the tallies by
-- the difference. ``built`` (a machine assembled in the workshop) is a new stage.
ALTER TABLE milestones ADD COLUMN counted boolean NOT NULL DEFAULT true;

-- The summaries so far ignored corrections and voids: rebuilt from the stored lines
-- like every projection (``folder.catch_up_all`` at start, or ``reemploi server fold``).
-- Matches, links, receipts and the server's own journal are decisions: they stay.
TRUNCATE assets, lots, donors, identities, facts, milestones, lot_units, tallies;
UPDATE stations SET folded_seq = 0;
