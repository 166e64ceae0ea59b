-- The hours ledger. Times are integer microseconds since the Unix epoch (UTC); local dates are
-- integers YYYYMMDD; weighted minutes are integers in millionths of a minute.
-- Entries and events are append-only records; credit rows are a projection whose validity may
-- only shrink (see volunteerkit.hours.store).
CREATE TABLE vk_hours_entries (
    id              TEXT    NOT NULL PRIMARY KEY,
    volunteer_id    TEXT    NOT NULL,
    organization_id TEXT    NOT NULL,
    activity_id     TEXT,
    category        TEXT    NOT NULL,
    start_at        INTEGER NOT NULL,
    end_at          INTEGER NOT NULL,
    zone            TEXT    NOT NULL,
    break_minutes   INTEGER NOT NULL,
    travel_minutes  INTEGER NOT NULL,
    source          TEXT    NOT NULL,
    initial_status  TEXT    NOT NULL,
    recorded_by     TEXT    NOT NULL,
    recorded_at     INTEGER NOT NULL,
    note            TEXT    NOT NULL
);
CREATE INDEX vk_hours_entries_volunteer ON vk_hours_entries (volunteer_id);
CREATE TRIGGER vk_hours_entries_no_update BEFORE UPDATE ON vk_hours_entries
BEGIN SELECT RAISE(ABORT, 'vk_hours_entries is append-only'); END;
CREATE TRIGGER vk_hours_entries_no_delete BEFORE DELETE ON vk_hours_entries
BEGIN SELECT RAISE(ABORT, 'vk_hours_entries is append-only'); END;

CREATE TABLE vk_hours_events (
    id            TEXT    NOT NULL PRIMARY KEY,
    entry_id      TEXT    NOT NULL REFERENCES vk_hours_entries (id),
    volunteer_id  TEXT    NOT NULL,
    type          TEXT    NOT NULL,
    actor         TEXT    NOT NULL,
    at            INTEGER NOT NULL,
    reason        TEXT    NOT NULL,
    kind          TEXT,
    start_at      INTEGER,
    end_at        INTEGER,
    break_minutes INTEGER
);
CREATE INDEX vk_hours_events_entry ON vk_hours_events (entry_id);
CREATE INDEX vk_hours_events_volunteer ON vk_hours_events (volunteer_id);
CREATE TRIGGER vk_hours_events_no_update BEFORE UPDATE ON vk_hours_events
BEGIN SELECT RAISE(ABORT, 'vk_hours_events is append-only'); END;
CREATE TRIGGER vk_hours_events_no_delete BEFORE DELETE ON vk_hours_events
BEGIN SELECT RAISE(ABORT, 'vk_hours_events is append-only'); END;

CREATE TABLE vk_hours_credit (
    volunteer_id     TEXT    NOT NULL,
    local_date       INTEGER NOT NULL,
    valid_from       INTEGER NOT NULL,
    valid_to         INTEGER,
    raw_minutes      INTEGER NOT NULL,
    credited_minutes INTEGER NOT NULL,
    weighted_micro   INTEGER NOT NULL,
    entry_id         TEXT    NOT NULL,
    organization_id  TEXT    NOT NULL,
    category         TEXT    NOT NULL,
    region           TEXT
);
-- Covering index: one volunteer's totals (and totals of every volunteer in volunteer order) read
-- only this index.
CREATE INDEX vk_hours_credit_volunteer ON vk_hours_credit (
    volunteer_id, local_date, valid_from, valid_to, raw_minutes, credited_minutes, weighted_micro
);
CREATE TRIGGER vk_hours_credit_no_delete BEFORE DELETE ON vk_hours_credit
BEGIN SELECT RAISE(ABORT, 'vk_hours_credit rows are never deleted'); END;
CREATE TRIGGER vk_hours_credit_shrink_only BEFORE UPDATE ON vk_hours_credit
WHEN NEW.valid_to IS NULL
  OR NEW.valid_to < NEW.valid_from
  OR (OLD.valid_to IS NOT NULL AND NEW.valid_to > OLD.valid_to)
  OR NEW.volunteer_id IS NOT OLD.volunteer_id OR NEW.local_date IS NOT OLD.local_date
  OR NEW.valid_from IS NOT OLD.valid_from OR NEW.raw_minutes IS NOT OLD.raw_minutes
  OR NEW.credited_minutes IS NOT OLD.credited_minutes
  OR NEW.weighted_micro IS NOT OLD.weighted_micro OR NEW.entry_id IS NOT OLD.entry_id
  OR NEW.organization_id IS NOT OLD.organization_id OR NEW.category IS NOT OLD.category
  OR NEW.region IS NOT OLD.region
BEGIN SELECT RAISE(ABORT, 'a credit row may only have its validity shortened'); END;

CREATE TABLE vk_hours_settings (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TRIGGER vk_hours_settings_no_update BEFORE UPDATE ON vk_hours_settings
BEGIN SELECT RAISE(ABORT, 'vk_hours_settings is write-once'); END;
