-- Identifier columns sort by code point (the "C" collation), whatever the database's default
-- collation: ORDER BY id, MIN/MAX and the streams that Python groups or merges by id then agree with
-- SQLite and the memory store (an en-US database puts 'a' before 'B'; code points put 'B' first).
-- Text columns only change their collation: the tables are not rewritten, their indexes are rebuilt
-- (under an exclusive lock for the length of the migration), and foreign keys are kept. Unique
-- indexes stay valid: the default collation is deterministic, so equal ids were byte-equal already.
ALTER TABLE vk_award_records
    ALTER COLUMN id TYPE TEXT COLLATE "C",
    ALTER COLUMN rule_set_id TYPE TEXT COLLATE "C",
    ALTER COLUMN subject_id TYPE TEXT COLLATE "C",
    ALTER COLUMN level_id TYPE TEXT COLLATE "C";
ALTER TABLE vk_award_held
    ALTER COLUMN rule_set_id TYPE TEXT COLLATE "C",
    ALTER COLUMN subject_id TYPE TEXT COLLATE "C",
    ALTER COLUMN level_id TYPE TEXT COLLATE "C",
    ALTER COLUMN record_id TYPE TEXT COLLATE "C";
ALTER TABLE vk_award_recommendations
    ALTER COLUMN rule_set_id TYPE TEXT COLLATE "C",
    ALTER COLUMN subject_id TYPE TEXT COLLATE "C",
    ALTER COLUMN level_id TYPE TEXT COLLATE "C";
