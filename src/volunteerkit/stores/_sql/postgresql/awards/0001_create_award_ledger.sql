-- The award ledger. Dates are integers YYYYMMDD. Records (grants and revocations) are
-- append-only; vk_award_held is the projection of what each subject currently holds (a row per
-- held award, removed when it is revoked).
CREATE TABLE vk_award_records (
    id               TEXT        NOT NULL PRIMARY KEY,
    kind             TEXT        NOT NULL CHECK (kind IN ('grant', 'revoke')),
    rule_set_id      TEXT        NOT NULL,
    subject_id       TEXT        NOT NULL,
    level_id         TEXT        NOT NULL,
    award_key        TEXT        NOT NULL,
    at               TIMESTAMPTZ NOT NULL,
    actor            TEXT        NOT NULL,
    rule_set_version TEXT,
    earned_on        INTEGER,
    crossing_entry   TEXT,
    consumed_from    BIGINT,
    consumed_to      BIGINT,
    period_first     INTEGER,
    period_last      INTEGER,
    reason_code      TEXT,
    reason           TEXT,
    reason_zh        TEXT
);
CREATE INDEX vk_award_records_subject ON vk_award_records (rule_set_id, subject_id, at, id);

CREATE FUNCTION vk_award_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER vk_award_records_no_change BEFORE UPDATE OR DELETE ON vk_award_records
FOR EACH ROW EXECUTE FUNCTION vk_award_append_only();

CREATE TABLE vk_award_held (
    rule_set_id TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    level_id    TEXT NOT NULL,
    award_key   TEXT NOT NULL,
    record_id   TEXT NOT NULL REFERENCES vk_award_records (id),
    PRIMARY KEY (rule_set_id, subject_id, level_id, award_key)
);

CREATE TABLE vk_award_recommendations (
    rule_set_id    TEXT        NOT NULL,
    subject_id     TEXT        NOT NULL,
    level_id       TEXT        NOT NULL,
    recommended_by TEXT        NOT NULL,
    recommended_at TIMESTAMPTZ NOT NULL,
    note           TEXT        NOT NULL,
    PRIMARY KEY (rule_set_id, subject_id, level_id)
);
CREATE TRIGGER vk_award_recommendations_no_update BEFORE UPDATE ON vk_award_recommendations
FOR EACH ROW EXECUTE FUNCTION vk_award_append_only();
