-- The hours ledger. Local dates are integers YYYYMMDD; weighted minutes are integers in
-- millionths of a minute. Entries and events are append-only records; credit rows are a
-- projection whose validity may only shrink (see volunteerkit.hours.store).
CREATE TABLE vk_hours_entries (
    id              TEXT        NOT NULL PRIMARY KEY,
    volunteer_id    TEXT        NOT NULL,
    organization_id TEXT        NOT NULL,
    activity_id     TEXT,
    category        TEXT        NOT NULL,
    start_at        TIMESTAMPTZ NOT NULL,
    end_at          TIMESTAMPTZ NOT NULL,
    zone            TEXT        NOT NULL,
    break_minutes   INTEGER     NOT NULL,
    travel_minutes  INTEGER     NOT NULL,
    source          TEXT        NOT NULL,
    initial_status  TEXT        NOT NULL,
    recorded_by     TEXT        NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL,
    note            TEXT        NOT NULL
);
CREATE INDEX vk_hours_entries_volunteer ON vk_hours_entries (volunteer_id);

CREATE TABLE vk_hours_events (
    id            TEXT        NOT NULL PRIMARY KEY,
    entry_id      TEXT        NOT NULL REFERENCES vk_hours_entries (id),
    volunteer_id  TEXT        NOT NULL,
    type          TEXT        NOT NULL,
    actor         TEXT        NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    reason        TEXT        NOT NULL,
    kind          TEXT,
    start_at      TIMESTAMPTZ,
    end_at        TIMESTAMPTZ,
    break_minutes INTEGER
);
CREATE INDEX vk_hours_events_entry ON vk_hours_events (entry_id);
CREATE INDEX vk_hours_events_volunteer ON vk_hours_events (volunteer_id);

CREATE FUNCTION vk_hours_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER vk_hours_entries_no_change BEFORE UPDATE OR DELETE ON vk_hours_entries
FOR EACH ROW EXECUTE FUNCTION vk_hours_append_only();
CREATE TRIGGER vk_hours_events_no_change BEFORE UPDATE OR DELETE ON vk_hours_events
FOR EACH ROW EXECUTE FUNCTION vk_hours_append_only();

CREATE TABLE vk_hours_credit (
    volunteer_id     TEXT        NOT NULL,
    local_date       INTEGER     NOT NULL,
    valid_from       TIMESTAMPTZ NOT NULL,
    valid_to         TIMESTAMPTZ,
    raw_minutes      INTEGER     NOT NULL,
    credited_minutes INTEGER     NOT NULL,
    weighted_micro   BIGINT      NOT NULL,
    entry_id         TEXT        NOT NULL,
    organization_id  TEXT        NOT NULL,
    category         TEXT        NOT NULL,
    region           TEXT
);
-- Covering index: one volunteer's totals (and totals of every volunteer in volunteer order) read
-- only this index.
CREATE INDEX vk_hours_credit_volunteer ON vk_hours_credit (volunteer_id, local_date)
    INCLUDE (valid_from, valid_to, raw_minutes, credited_minutes, weighted_micro);

CREATE FUNCTION vk_hours_credit_shrink_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'vk_hours_credit rows are never deleted'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.valid_to IS NULL OR NEW.valid_to < NEW.valid_from
       OR (OLD.valid_to IS NOT NULL AND NEW.valid_to > OLD.valid_to)
       OR (NEW.volunteer_id, NEW.local_date, NEW.valid_from, NEW.raw_minutes,
           NEW.credited_minutes, NEW.weighted_micro, NEW.entry_id, NEW.organization_id,
           NEW.category)
          IS DISTINCT FROM
          (OLD.volunteer_id, OLD.local_date, OLD.valid_from, OLD.raw_minutes,
           OLD.credited_minutes, OLD.weighted_micro, OLD.entry_id, OLD.organization_id,
           OLD.category)
       OR NEW.region IS DISTINCT FROM OLD.region THEN
        RAISE EXCEPTION 'a credit row may only have its validity shortened'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER vk_hours_credit_shrink_only BEFORE UPDATE OR DELETE ON vk_hours_credit
FOR EACH ROW EXECUTE FUNCTION vk_hours_credit_shrink_only();

CREATE TABLE vk_hours_settings (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TRIGGER vk_hours_settings_no_change BEFORE UPDATE OR DELETE ON vk_hours_settings
FOR EACH ROW EXECUTE FUNCTION vk_hours_append_only();
