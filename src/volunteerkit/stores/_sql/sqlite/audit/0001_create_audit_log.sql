-- The append-only audit log. Times are integer microseconds since the Unix epoch (UTC).
CREATE TABLE vk_audit_log (
    id           TEXT    NOT NULL PRIMARY KEY,
    at           INTEGER NOT NULL,
    actor        TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    subject_type TEXT    NOT NULL,
    subject_id   TEXT    NOT NULL,
    reason       TEXT    NOT NULL,
    details      TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX vk_audit_log_subject ON vk_audit_log (subject_type, subject_id, at, id);
CREATE INDEX vk_audit_log_at ON vk_audit_log (at, id);
-- Append-only: the database itself refuses updates and deletes.
CREATE TRIGGER vk_audit_log_no_update BEFORE UPDATE ON vk_audit_log
BEGIN SELECT RAISE(ABORT, 'vk_audit_log is append-only'); END;
CREATE TRIGGER vk_audit_log_no_delete BEFORE DELETE ON vk_audit_log
BEGIN SELECT RAISE(ABORT, 'vk_audit_log is append-only'); END;
