-- Identifier columns sort by code point (the "C" collation), whatever the database's default
-- collation: ORDER BY id, MIN/MAX and the streams that Python groups or merges by id then agree with
-- SQLite and the memory store (an en-US database puts 'a' before 'B'; code points put 'B' first).
-- Text columns only change their collation: the tables are not rewritten, their indexes are rebuilt
-- (under an exclusive lock for the length of the migration), and foreign keys are kept. Unique
-- indexes stay valid: the default collation is deterministic, so equal ids were byte-equal already.
ALTER TABLE vk_transfer_transfers
    ALTER COLUMN id TYPE TEXT COLLATE "C",
    ALTER COLUMN volunteer_id TYPE TEXT COLLATE "C";
ALTER TABLE vk_transfer_steps
    ALTER COLUMN transfer_id TYPE TEXT COLLATE "C",
    ALTER COLUMN package_id TYPE TEXT COLLATE "C";
ALTER TABLE vk_transfer_entries
    ALTER COLUMN entry_id TYPE TEXT COLLATE "C",
    ALTER COLUMN volunteer_id TYPE TEXT COLLATE "C",
    ALTER COLUMN transfer_id TYPE TEXT COLLATE "C",
    ALTER COLUMN package_id TYPE TEXT COLLATE "C";
