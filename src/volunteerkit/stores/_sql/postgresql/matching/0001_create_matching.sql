-- Matching: projects, slots and shifts (configuration, stored as canonical JSON with key columns),
-- and append-only role and shift assignments. Text keys use the "C" collation so that ORDER BY
-- sorts them by code point, as SQLite and Python do.
CREATE TABLE vk_matching_projects (
    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    organization_id TEXT COLLATE "C" NOT NULL,
    data            TEXT COLLATE "C" NOT NULL
);
CREATE TABLE vk_matching_slots (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    project_id TEXT COLLATE "C" NOT NULL,
    data       TEXT COLLATE "C" NOT NULL
);
CREATE INDEX vk_matching_slots_project ON vk_matching_slots (project_id, id);
CREATE TABLE vk_matching_shifts (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    project_id TEXT COLLATE "C" NOT NULL,
    slot_id    TEXT COLLATE "C" NOT NULL,
    data       TEXT COLLATE "C" NOT NULL
);
CREATE INDEX vk_matching_shifts_project ON vk_matching_shifts (project_id, id);
CREATE INDEX vk_matching_shifts_slot ON vk_matching_shifts (slot_id, id);
CREATE TABLE vk_matching_role_assignments (
    id           TEXT COLLATE "C"        NOT NULL PRIMARY KEY,
    run_id       TEXT COLLATE "C"        NOT NULL,
    volunteer_id TEXT COLLATE "C"        NOT NULL,
    slot_id      TEXT COLLATE "C"        NOT NULL,
    score        BIGINT      NOT NULL,
    assigned_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX vk_matching_role_assignments_run ON vk_matching_role_assignments (run_id, id);
CREATE INDEX vk_matching_role_assignments_volunteer ON vk_matching_role_assignments (volunteer_id, id);
CREATE INDEX vk_matching_role_assignments_slot ON vk_matching_role_assignments (slot_id, id);
CREATE TABLE vk_matching_shift_assignments (
    id           TEXT COLLATE "C"        NOT NULL PRIMARY KEY,
    run_id       TEXT COLLATE "C"        NOT NULL,
    volunteer_id TEXT COLLATE "C"        NOT NULL,
    shift_id     TEXT COLLATE "C"        NOT NULL,
    start_at     TIMESTAMPTZ NOT NULL,
    end_at       TIMESTAMPTZ NOT NULL,
    assigned_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX vk_matching_shift_assignments_run ON vk_matching_shift_assignments (run_id, start_at, id);
CREATE INDEX vk_matching_shift_assignments_volunteer ON vk_matching_shift_assignments (volunteer_id, start_at, id);
CREATE INDEX vk_matching_shift_assignments_shift ON vk_matching_shift_assignments (shift_id, start_at, id);
-- Assignments are append-only.
CREATE FUNCTION vk_matching_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER vk_matching_role_assignments_no_change BEFORE UPDATE OR DELETE ON vk_matching_role_assignments
FOR EACH ROW EXECUTE FUNCTION vk_matching_append_only();
CREATE TRIGGER vk_matching_shift_assignments_no_change BEFORE UPDATE OR DELETE ON vk_matching_shift_assignments
FOR EACH ROW EXECUTE FUNCTION vk_matching_append_only();
