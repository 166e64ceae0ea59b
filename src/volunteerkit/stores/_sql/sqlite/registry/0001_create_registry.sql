-- The registry: organizations, volunteers and memberships.
-- Times are integer microseconds since the Unix epoch (UTC).
CREATE TABLE vk_organizations (
    id            TEXT    NOT NULL PRIMARY KEY,
    name          TEXT    NOT NULL,
    uscc          TEXT    UNIQUE,
    region        TEXT,
    verification  TEXT    NOT NULL,
    parent_id     TEXT    REFERENCES vk_organizations (id),
    registered_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX vk_organizations_parent ON vk_organizations (parent_id, id);

-- One row per volunteer record. The identity number is never stored in a searchable form:
-- doc_index is the keyed blind index ("<key id>:<hex>"), unique (one person, one registration),
-- doc_payload is the AES-256-GCM ciphertext (doc_key_id names the key), or the plain canonical
-- number when the application gave no encryption key (doc_key_id NULL). profile holds the rest
-- of the volunteer as JSON, without any identity number.
CREATE TABLE vk_volunteers (
    id            TEXT    NOT NULL PRIMARY KEY,
    status        TEXT    NOT NULL,
    registered_at INTEGER NOT NULL,
    merged_into   TEXT    REFERENCES vk_volunteers (id),
    doc_index     TEXT    UNIQUE,
    doc_scheme    TEXT,
    doc_masked    TEXT,
    doc_key_id    TEXT,
    doc_payload   TEXT,
    guardian_doc  TEXT,
    profile       TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX vk_volunteers_status ON vk_volunteers (status, id);
CREATE INDEX vk_volunteers_merged_into ON vk_volunteers (merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE vk_memberships (
    id              TEXT    NOT NULL PRIMARY KEY,
    volunteer_id    TEXT    NOT NULL REFERENCES vk_volunteers (id),
    organization_id TEXT    NOT NULL REFERENCES vk_organizations (id),
    role            TEXT    NOT NULL,
    joined_at       INTEGER NOT NULL,
    left_at         INTEGER,
    end_reason      TEXT
) WITHOUT ROWID;
-- At most one active membership of a volunteer in an organization.
CREATE UNIQUE INDEX vk_memberships_active ON vk_memberships (volunteer_id, organization_id)
    WHERE left_at IS NULL;
CREATE INDEX vk_memberships_volunteer ON vk_memberships (volunteer_id, joined_at, id);
CREATE INDEX vk_memberships_organization ON vk_memberships (organization_id, joined_at, id);
