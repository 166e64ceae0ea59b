-- INSERT OR REPLACE (and REPLACE) of an id already stored would delete the stored record and insert
-- another: SQLite fires no DELETE trigger for the rows a REPLACE removes unless a connection turns
-- recursive_triggers on, so the no-delete triggers did not stop it. An insert of a stored id now
-- fails as a plain insert of it does (the message is the unique constraint's, so the store reports
-- the same conflict), whatever its conflict clause.
CREATE TRIGGER vk_hours_entries_no_replace BEFORE INSERT ON vk_hours_entries
WHEN EXISTS (SELECT 1 FROM vk_hours_entries WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: vk_hours_entries.id'); END;
CREATE TRIGGER vk_hours_events_no_replace BEFORE INSERT ON vk_hours_events
WHEN EXISTS (SELECT 1 FROM vk_hours_events WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: vk_hours_events.id'); END;
CREATE TRIGGER vk_hours_settings_no_replace BEFORE INSERT ON vk_hours_settings
WHEN EXISTS (SELECT 1 FROM vk_hours_settings WHERE name = NEW.name)
BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: vk_hours_settings.name'); END;
