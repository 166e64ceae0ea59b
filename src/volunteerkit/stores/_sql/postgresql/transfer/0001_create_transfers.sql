-- Transfers of service records between regions and platforms. Every table is append-only: a
-- transfer's state is its last step.
CREATE TABLE vk_transfer_transfers (
    id           TEXT        NOT NULL PRIMARY KEY,
    role         TEXT        NOT NULL,
    volunteer_id TEXT        NOT NULL,
    source       TEXT        NOT NULL,
    destination  TEXT        NOT NULL,
    consent      TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX vk_transfer_transfers_volunteer ON vk_transfer_transfers (volunteer_id);

-- One row per step; (transfer_id, seq) is unique, so two writers cannot take the same step.
CREATE TABLE vk_transfer_steps (
    transfer_id      TEXT        NOT NULL REFERENCES vk_transfer_transfers (id),
    seq              INTEGER     NOT NULL,
    state            TEXT        NOT NULL,
    at               TIMESTAMPTZ NOT NULL,
    actor            TEXT        NOT NULL,
    reason_code      TEXT,
    reason           TEXT        NOT NULL,
    package_id       TEXT,
    header_digest    TEXT,
    entries          BIGINT,
    credited_minutes BIGINT,
    receipt          TEXT,
    PRIMARY KEY (transfer_id, seq)
);

-- The certified credit of every imported entry: days is "YYYYMMDD:minutes" items joined by ",".
CREATE TABLE vk_transfer_entries (
    entry_id           TEXT        NOT NULL PRIMARY KEY,
    volunteer_id       TEXT        NOT NULL,
    transfer_id        TEXT        NOT NULL REFERENCES vk_transfer_transfers (id),
    package_id         TEXT        NOT NULL,
    source             TEXT        NOT NULL,
    captured_by        TEXT        NOT NULL,
    certified_by       TEXT        NOT NULL,
    certified_at       TIMESTAMPTZ NOT NULL,
    source_recorded_at TIMESTAMPTZ NOT NULL,
    credited_minutes   INTEGER     NOT NULL,
    days               TEXT        NOT NULL,
    flagged            BOOLEAN     NOT NULL,
    imported_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX vk_transfer_entries_volunteer ON vk_transfer_entries (volunteer_id);

CREATE FUNCTION vk_transfer_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER vk_transfer_transfers_no_change BEFORE UPDATE OR DELETE ON vk_transfer_transfers
FOR EACH ROW EXECUTE FUNCTION vk_transfer_append_only();
CREATE TRIGGER vk_transfer_steps_no_change BEFORE UPDATE OR DELETE ON vk_transfer_steps
FOR EACH ROW EXECUTE FUNCTION vk_transfer_append_only();
CREATE TRIGGER vk_transfer_entries_no_change BEFORE UPDATE OR DELETE ON vk_transfer_entries
FOR EACH ROW EXECUTE FUNCTION vk_transfer_append_only();
