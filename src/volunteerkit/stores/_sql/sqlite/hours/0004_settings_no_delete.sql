-- Settings are write-once: a delete is refused as an update is. (With recursive_triggers on, as
-- the store's connection sets it, this also stops an INSERT OR REPLACE of a stored setting, which
-- deletes the row it replaces.)
CREATE TRIGGER vk_hours_settings_no_delete BEFORE DELETE ON vk_hours_settings
BEGIN SELECT RAISE(ABORT, 'vk_hours_settings is write-once'); END;
