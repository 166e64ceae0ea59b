-- The award ledger. Times are integer microseconds since the Unix epoch (UTC); dates are integers
-- YYYYMMDD. Records (grants and revocations) are append-only; vk_award_held is the projection of
-- what each subject currently holds (a row per held award, removed when it is revoked).
CREATE TABLE vk_award_records (
    id               TEXT    NOT NULL PRIMARY KEY,
    kind             TEXT    NOT NULL CHECK (kind IN ('grant', 'revoke')),
    rule_set_id      TEXT    NOT NULL,
    subject_id       TEXT    NOT NULL,
    level_id         TEXT    NOT NULL,
    award_key        TEXT    NOT NULL,
    at               INTEGER NOT NULL,
    actor            TEXT    NOT NULL,
    rule_set_version TEXT,
    earned_on        INTEGER,
    crossing_entry   TEXT,
    consumed_from    INTEGER,
    consumed_to      INTEGER,
    period_first     INTEGER,
    period_last      INTEGER,
    reason_code      TEXT,
    reason           TEXT,
    reason_zh        TEXT
);
CREATE INDEX vk_award_records_subject ON vk_award_records (rule_set_id, subject_id, at, id);
CREATE TRIGGER vk_award_records_no_update BEFORE UPDATE ON vk_award_records
BEGIN SELECT RAISE(ABORT, 'vk_award_records is append-only'); END;
CREATE TRIGGER vk_award_records_no_delete BEFORE DELETE ON vk_award_records
BEGIN SELECT RAISE(ABORT, 'vk_award_records is append-only'); END;

CREATE TABLE vk_award_held (
    rule_set_id TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    level_id    TEXT NOT NULL,
    award_key   TEXT NOT NULL,
    record_id   TEXT NOT NULL REFERENCES vk_award_records (id),
    PRIMARY KEY (rule_set_id, subject_id, level_id, award_key)
);

CREATE TABLE vk_award_recommendations (
    rule_set_id    TEXT    NOT NULL,
    subject_id     TEXT    NOT NULL,
    level_id       TEXT    NOT NULL,
    recommended_by TEXT    NOT NULL,
    recommended_at INTEGER NOT NULL,
    note           TEXT    NOT NULL,
    PRIMARY KEY (rule_set_id, subject_id, level_id)
);
CREATE TRIGGER vk_award_recommendations_no_update BEFORE UPDATE ON vk_award_recommendations
BEGIN SELECT RAISE(ABORT, 'vk_award_recommendations is write-once'); END;
