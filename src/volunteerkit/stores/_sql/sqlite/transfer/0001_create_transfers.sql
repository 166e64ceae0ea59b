-- Transfers of service records between regions and platforms. Times are integer microseconds
-- since the Unix epoch (UTC). Every table is append-only: a transfer's state is its last step.
CREATE TABLE vk_transfer_transfers (
    id           TEXT    NOT NULL PRIMARY KEY,
    role         TEXT    NOT NULL,
    volunteer_id TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    destination  TEXT    NOT NULL,
    consent      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX vk_transfer_transfers_volunteer ON vk_transfer_transfers (volunteer_id);
CREATE TRIGGER vk_transfer_transfers_no_update BEFORE UPDATE ON vk_transfer_transfers
BEGIN SELECT RAISE(ABORT, 'vk_transfer_transfers is append-only'); END;
CREATE TRIGGER vk_transfer_transfers_no_delete BEFORE DELETE ON vk_transfer_transfers
BEGIN SELECT RAISE(ABORT, 'vk_transfer_transfers is append-only'); END;

-- One row per step; (transfer_id, seq) is unique, so two writers cannot take the same step.
CREATE TABLE vk_transfer_steps (
    transfer_id      TEXT    NOT NULL REFERENCES vk_transfer_transfers (id),
    seq              INTEGER NOT NULL,
    state            TEXT    NOT NULL,
    at               INTEGER NOT NULL,
    actor            TEXT    NOT NULL,
    reason_code      TEXT,
    reason           TEXT    NOT NULL,
    package_id       TEXT,
    header_digest    TEXT,
    entries          INTEGER,
    credited_minutes INTEGER,
    receipt          TEXT,
    PRIMARY KEY (transfer_id, seq)
) WITHOUT ROWID;
CREATE TRIGGER vk_transfer_steps_no_update BEFORE UPDATE ON vk_transfer_steps
BEGIN SELECT RAISE(ABORT, 'vk_transfer_steps is append-only'); END;
CREATE TRIGGER vk_transfer_steps_no_delete BEFORE DELETE ON vk_transfer_steps
BEGIN SELECT RAISE(ABORT, 'vk_transfer_steps is append-only'); END;

-- The certified credit of every imported entry: days is "YYYYMMDD:minutes" items joined by ",".
CREATE TABLE vk_transfer_entries (
    entry_id           TEXT    NOT NULL PRIMARY KEY,
    volunteer_id       TEXT    NOT NULL,
    transfer_id        TEXT    NOT NULL REFERENCES vk_transfer_transfers (id),
    package_id         TEXT    NOT NULL,
    source             TEXT    NOT NULL,
    captured_by        TEXT    NOT NULL,
    certified_by       TEXT    NOT NULL,
    certified_at       INTEGER NOT NULL,
    source_recorded_at INTEGER NOT NULL,
    credited_minutes   INTEGER NOT NULL,
    days               TEXT    NOT NULL,
    flagged            INTEGER NOT NULL,
    imported_at        INTEGER NOT NULL
);
CREATE INDEX vk_transfer_entries_volunteer ON vk_transfer_entries (volunteer_id);
CREATE TRIGGER vk_transfer_entries_no_update BEFORE UPDATE ON vk_transfer_entries
BEGIN SELECT RAISE(ABORT, 'vk_transfer_entries is append-only'); END;
CREATE TRIGGER vk_transfer_entries_no_delete BEFORE DELETE ON vk_transfer_entries
BEGIN SELECT RAISE(ABORT, 'vk_transfer_entries is append-only'); END;
