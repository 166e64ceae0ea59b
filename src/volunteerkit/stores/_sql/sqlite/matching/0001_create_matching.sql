-- Matching: projects, slots and shifts (configuration, stored as canonical JSON with key columns),
-- and append-only role and shift assignments. Times are integer microseconds since the Unix epoch (UTC).
CREATE TABLE vk_matching_projects (
    id              TEXT NOT NULL PRIMARY KEY,
    organization_id TEXT NOT NULL,
    data            TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE vk_matching_slots (
    id         TEXT NOT NULL PRIMARY KEY,
    project_id TEXT NOT NULL,
    data       TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX vk_matching_slots_project ON vk_matching_slots (project_id, id);
CREATE TABLE vk_matching_shifts (
    id         TEXT NOT NULL PRIMARY KEY,
    project_id TEXT NOT NULL,
    slot_id    TEXT NOT NULL,
    data       TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX vk_matching_shifts_project ON vk_matching_shifts (project_id, id);
CREATE INDEX vk_matching_shifts_slot ON vk_matching_shifts (slot_id, id);
CREATE TABLE vk_matching_role_assignments (
    id           TEXT    NOT NULL PRIMARY KEY,
    run_id       TEXT    NOT NULL,
    volunteer_id TEXT    NOT NULL,
    slot_id      TEXT    NOT NULL,
    score        INTEGER NOT NULL,
    assigned_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX vk_matching_role_assignments_run ON vk_matching_role_assignments (run_id, id);
CREATE INDEX vk_matching_role_assignments_volunteer ON vk_matching_role_assignments (volunteer_id, id);
CREATE INDEX vk_matching_role_assignments_slot ON vk_matching_role_assignments (slot_id, id);
CREATE TABLE vk_matching_shift_assignments (
    id           TEXT    NOT NULL PRIMARY KEY,
    run_id       TEXT    NOT NULL,
    volunteer_id TEXT    NOT NULL,
    shift_id     TEXT    NOT NULL,
    start_at     INTEGER NOT NULL,
    end_at       INTEGER NOT NULL,
    assigned_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX vk_matching_shift_assignments_run ON vk_matching_shift_assignments (run_id, start_at, id);
CREATE INDEX vk_matching_shift_assignments_volunteer ON vk_matching_shift_assignments (volunteer_id, start_at, id);
CREATE INDEX vk_matching_shift_assignments_shift ON vk_matching_shift_assignments (shift_id, start_at, id);
-- Assignments are append-only.
CREATE TRIGGER vk_matching_role_assignments_no_update BEFORE UPDATE ON vk_matching_role_assignments
BEGIN SELECT RAISE(ABORT, 'vk_matching_role_assignments is append-only'); END;
CREATE TRIGGER vk_matching_role_assignments_no_delete BEFORE DELETE ON vk_matching_role_assignments
BEGIN SELECT RAISE(ABORT, 'vk_matching_role_assignments is append-only'); END;
CREATE TRIGGER vk_matching_shift_assignments_no_update BEFORE UPDATE ON vk_matching_shift_assignments
BEGIN SELECT RAISE(ABORT, 'vk_matching_shift_assignments is append-only'); END;
CREATE TRIGGER vk_matching_shift_assignments_no_delete BEFORE DELETE ON vk_matching_shift_assignments
BEGIN SELECT RAISE(ABORT, 'vk_matching_shift_assignments is append-only'); END;
