-- The append-only audit log.
CREATE TABLE vk_audit_log (
    id           TEXT        NOT NULL PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    actor        TEXT        NOT NULL,
    action       TEXT        NOT NULL,
    subject_type TEXT        NOT NULL,
    subject_id   TEXT        NOT NULL,
    reason       TEXT        NOT NULL,
    details      TEXT        NOT NULL
);
CREATE INDEX vk_audit_log_subject ON vk_audit_log (subject_type, subject_id, at, id);
CREATE INDEX vk_audit_log_at ON vk_audit_log (at, id);
-- Append-only: the database itself refuses updates and deletes.
CREATE FUNCTION vk_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'vk_audit_log is append-only' USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER vk_audit_log_no_change BEFORE UPDATE OR DELETE ON vk_audit_log
FOR EACH ROW EXECUTE FUNCTION vk_audit_log_append_only();
