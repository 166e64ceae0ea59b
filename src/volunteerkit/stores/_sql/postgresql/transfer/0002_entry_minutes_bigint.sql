-- A transferred entry's certified minutes are any integer a package may hold (up to 2^53 - 1), as
-- on SQLite and in memory. INTEGER could not hold them, and binary COPY wrapped larger values
-- silently (2^53 - 1 was stored as -1).
ALTER TABLE vk_transfer_entries ALTER COLUMN credited_minutes TYPE BIGINT;
