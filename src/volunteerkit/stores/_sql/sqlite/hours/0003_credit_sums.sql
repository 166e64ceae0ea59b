-- Sums of credit kept as rows are written, so that award evaluation reads one row per volunteer
-- (and the few months where a threshold is crossed) instead of every credit row.
--
-- vk_hours_credit_totals: one row per volunteer with any credit row:
--   raw_minutes, credited_minutes, weighted_micro: sums of the positive amounts of the current
--     rows (valid_to IS NULL);
--   first_raw, first_credited, first_weighted: the earliest local date among the current rows with
--     a positive amount of that kind (NULL: none);
--   last_date: the latest local date of any row ever written (rows are never deleted);
--   changed_at: no later than the latest valid_from or valid_to of the volunteer's rows; at least
--     that (shortening a validity that had already ended leaves it where it was).
-- When changed_at <= T, the rows valid at T are exactly the current rows, so these sums are the
-- sums at T; otherwise the volunteer is read from vk_hours_credit as before.
-- vk_hours_credit_months: one row per volunteer and month (local_date / 100) with any credit row:
-- the same positive sums for the month, running sums (*_cum) through the end of the month, how
-- many current rows the month has, and, when it has exactly one, that row's date and entry (a
-- threshold stepped over in such a month is crossed by that row, so it need not be read).
--
-- Triggers keep both tables in step with every insert and every closing of a credit row, whoever
-- writes it (the ledger, a transfer, or an embedder's own SQL). Positive amounts only, as the
-- award path counts them.
CREATE TABLE vk_hours_credit_totals (
    volunteer_id     TEXT    NOT NULL PRIMARY KEY,
    raw_minutes      INTEGER NOT NULL,
    credited_minutes INTEGER NOT NULL,
    weighted_micro   INTEGER NOT NULL,
    first_raw        INTEGER,
    first_credited   INTEGER,
    first_weighted   INTEGER,
    last_date        INTEGER NOT NULL,
    changed_at       INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE vk_hours_credit_months (
    volunteer_id     TEXT    NOT NULL,
    month            INTEGER NOT NULL,
    raw_minutes      INTEGER NOT NULL,
    credited_minutes INTEGER NOT NULL,
    weighted_micro   INTEGER NOT NULL,
    raw_cum          INTEGER NOT NULL,
    credited_cum     INTEGER NOT NULL,
    weighted_cum     INTEGER NOT NULL,
    current_rows     INTEGER NOT NULL,
    sole_date        INTEGER,
    sole_entry       TEXT,
    PRIMARY KEY (volunteer_id, month)
) WITHOUT ROWID;

INSERT INTO vk_hours_credit_totals (
    volunteer_id, raw_minutes, credited_minutes, weighted_micro,
    first_raw, first_credited, first_weighted, last_date, changed_at
)
SELECT volunteer_id,
       SUM(CASE WHEN valid_to IS NULL THEN MAX(raw_minutes, 0) ELSE 0 END),
       SUM(CASE WHEN valid_to IS NULL THEN MAX(credited_minutes, 0) ELSE 0 END),
       SUM(CASE WHEN valid_to IS NULL THEN MAX(weighted_micro, 0) ELSE 0 END),
       MIN(CASE WHEN valid_to IS NULL AND raw_minutes > 0 THEN local_date END),
       MIN(CASE WHEN valid_to IS NULL AND credited_minutes > 0 THEN local_date END),
       MIN(CASE WHEN valid_to IS NULL AND weighted_micro > 0 THEN local_date END),
       MAX(local_date),
       MAX(MAX(valid_from, COALESCE(valid_to, valid_from)))
FROM vk_hours_credit
GROUP BY volunteer_id;

INSERT INTO vk_hours_credit_months (
    volunteer_id, month, raw_minutes, credited_minutes, weighted_micro,
    raw_cum, credited_cum, weighted_cum, current_rows, sole_date, sole_entry
)
SELECT volunteer_id, month, r, c, w,
       SUM(r) OVER running, SUM(c) OVER running, SUM(w) OVER running,
       n, CASE WHEN n = 1 THEN d END, CASE WHEN n = 1 THEN e END
FROM (
    SELECT volunteer_id, local_date / 100 AS month,
           SUM(CASE WHEN valid_to IS NULL THEN MAX(raw_minutes, 0) ELSE 0 END) AS r,
           SUM(CASE WHEN valid_to IS NULL THEN MAX(credited_minutes, 0) ELSE 0 END) AS c,
           SUM(CASE WHEN valid_to IS NULL THEN MAX(weighted_micro, 0) ELSE 0 END) AS w,
           SUM(valid_to IS NULL) AS n,
           MAX(CASE WHEN valid_to IS NULL THEN local_date END) AS d,
           MAX(CASE WHEN valid_to IS NULL THEN entry_id END) AS e
    FROM vk_hours_credit
    GROUP BY volunteer_id, local_date / 100
)
WINDOW running AS (PARTITION BY volunteer_id ORDER BY month);

-- A current row adds its positive amounts to the volunteer, to its month and to the running sums
-- of every later month; a row written already closed only widens the bounds.
CREATE TRIGGER vk_hours_credit_sums_insert AFTER INSERT ON vk_hours_credit
BEGIN
    INSERT INTO vk_hours_credit_totals (
        volunteer_id, raw_minutes, credited_minutes, weighted_micro,
        first_raw, first_credited, first_weighted, last_date, changed_at
    )
    SELECT NEW.volunteer_id, a.r, a.c, a.w,
           CASE WHEN a.r > 0 THEN NEW.local_date END,
           CASE WHEN a.c > 0 THEN NEW.local_date END,
           CASE WHEN a.w > 0 THEN NEW.local_date END,
           NEW.local_date,
           MAX(NEW.valid_from, COALESCE(NEW.valid_to, NEW.valid_from))
    FROM (
        SELECT CASE WHEN NEW.valid_to IS NULL THEN MAX(NEW.raw_minutes, 0) ELSE 0 END AS r,
               CASE WHEN NEW.valid_to IS NULL THEN MAX(NEW.credited_minutes, 0) ELSE 0 END AS c,
               CASE WHEN NEW.valid_to IS NULL THEN MAX(NEW.weighted_micro, 0) ELSE 0 END AS w
    ) AS a
    WHERE true
    ON CONFLICT (volunteer_id) DO UPDATE SET
        raw_minutes = raw_minutes + excluded.raw_minutes,
        credited_minutes = credited_minutes + excluded.credited_minutes,
        weighted_micro = weighted_micro + excluded.weighted_micro,
        first_raw = COALESCE(MIN(first_raw, excluded.first_raw), first_raw, excluded.first_raw),
        first_credited = COALESCE(
            MIN(first_credited, excluded.first_credited), first_credited, excluded.first_credited
        ),
        first_weighted = COALESCE(
            MIN(first_weighted, excluded.first_weighted), first_weighted, excluded.first_weighted
        ),
        last_date = MAX(last_date, excluded.last_date),
        changed_at = MAX(changed_at, excluded.changed_at);
    INSERT INTO vk_hours_credit_months (
        volunteer_id, month, raw_minutes, credited_minutes, weighted_micro,
        raw_cum, credited_cum, weighted_cum, current_rows, sole_date, sole_entry
    )
    SELECT NEW.volunteer_id, NEW.local_date / 100, a.r, a.c, a.w,
           a.r + COALESCE(p.raw_cum, 0), a.c + COALESCE(p.credited_cum, 0),
           a.w + COALESCE(p.weighted_cum, 0),
           a.n, CASE WHEN a.n = 1 THEN NEW.local_date END, CASE WHEN a.n = 1 THEN NEW.entry_id END
    FROM (
        SELECT CASE WHEN NEW.valid_to IS NULL THEN MAX(NEW.raw_minutes, 0) ELSE 0 END AS r,
               CASE WHEN NEW.valid_to IS NULL THEN MAX(NEW.credited_minutes, 0) ELSE 0 END AS c,
               CASE WHEN NEW.valid_to IS NULL THEN MAX(NEW.weighted_micro, 0) ELSE 0 END AS w,
               NEW.valid_to IS NULL AS n
    ) AS a
    LEFT JOIN (
        SELECT raw_cum, credited_cum, weighted_cum FROM vk_hours_credit_months
        WHERE volunteer_id = NEW.volunteer_id AND month < NEW.local_date / 100
        ORDER BY month DESC LIMIT 1
    ) AS p ON true
    WHERE true
    ON CONFLICT (volunteer_id, month) DO UPDATE SET
        raw_minutes = raw_minutes + excluded.raw_minutes,
        credited_minutes = credited_minutes + excluded.credited_minutes,
        weighted_micro = weighted_micro + excluded.weighted_micro,
        raw_cum = raw_cum + excluded.raw_minutes,
        credited_cum = credited_cum + excluded.credited_minutes,
        weighted_cum = weighted_cum + excluded.weighted_micro,
        current_rows = current_rows + excluded.current_rows,
        sole_date = CASE WHEN current_rows + excluded.current_rows = 1
                         THEN COALESCE(excluded.sole_date, sole_date) END,
        sole_entry = CASE WHEN current_rows + excluded.current_rows = 1
                          THEN COALESCE(excluded.sole_entry, sole_entry) END;
    UPDATE vk_hours_credit_months SET
        raw_cum = raw_cum + MAX(NEW.raw_minutes, 0),
        credited_cum = credited_cum + MAX(NEW.credited_minutes, 0),
        weighted_cum = weighted_cum + MAX(NEW.weighted_micro, 0)
    WHERE NEW.valid_to IS NULL
      AND (NEW.raw_minutes > 0 OR NEW.credited_minutes > 0 OR NEW.weighted_micro > 0)
      AND volunteer_id = NEW.volunteer_id AND month > NEW.local_date / 100;
END;

-- Closing a current row takes its positive amounts back out, finds the row left alone in its
-- month if one is, and finds the volunteer's earliest date again when the row closed was on it.
CREATE TRIGGER vk_hours_credit_sums_close AFTER UPDATE OF valid_to ON vk_hours_credit
WHEN OLD.valid_to IS NULL AND NEW.valid_to IS NOT NULL
BEGIN
    UPDATE vk_hours_credit_totals SET
        raw_minutes = raw_minutes - MAX(NEW.raw_minutes, 0),
        credited_minutes = credited_minutes - MAX(NEW.credited_minutes, 0),
        weighted_micro = weighted_micro - MAX(NEW.weighted_micro, 0),
        changed_at = MAX(changed_at, NEW.valid_to),
        first_raw = CASE WHEN NEW.raw_minutes > 0 AND first_raw = NEW.local_date THEN (
            SELECT local_date FROM vk_hours_credit
            WHERE volunteer_id = NEW.volunteer_id AND valid_to IS NULL AND raw_minutes > 0
            ORDER BY local_date LIMIT 1
        ) ELSE first_raw END,
        first_credited = CASE WHEN NEW.credited_minutes > 0 AND first_credited = NEW.local_date THEN (
            SELECT local_date FROM vk_hours_credit
            WHERE volunteer_id = NEW.volunteer_id AND valid_to IS NULL AND credited_minutes > 0
            ORDER BY local_date LIMIT 1
        ) ELSE first_credited END,
        first_weighted = CASE WHEN NEW.weighted_micro > 0 AND first_weighted = NEW.local_date THEN (
            SELECT local_date FROM vk_hours_credit
            WHERE volunteer_id = NEW.volunteer_id AND valid_to IS NULL AND weighted_micro > 0
            ORDER BY local_date LIMIT 1
        ) ELSE first_weighted END
    WHERE volunteer_id = NEW.volunteer_id;
    -- current_rows below is the count before this close: 2 leaves one row, named here
    UPDATE vk_hours_credit_months SET
        raw_minutes = raw_minutes - MAX(NEW.raw_minutes, 0),
        credited_minutes = credited_minutes - MAX(NEW.credited_minutes, 0),
        weighted_micro = weighted_micro - MAX(NEW.weighted_micro, 0),
        current_rows = current_rows - 1,
        sole_date = CASE WHEN current_rows = 2 THEN (
            SELECT local_date FROM vk_hours_credit
            WHERE volunteer_id = NEW.volunteer_id AND valid_to IS NULL
              AND local_date BETWEEN NEW.local_date / 100 * 100 AND NEW.local_date / 100 * 100 + 99
        ) END,
        sole_entry = CASE WHEN current_rows = 2 THEN (
            SELECT entry_id FROM vk_hours_credit
            WHERE volunteer_id = NEW.volunteer_id AND valid_to IS NULL
              AND local_date BETWEEN NEW.local_date / 100 * 100 AND NEW.local_date / 100 * 100 + 99
        ) END
    WHERE volunteer_id = NEW.volunteer_id AND month = NEW.local_date / 100;
    UPDATE vk_hours_credit_months SET
        raw_cum = raw_cum - MAX(NEW.raw_minutes, 0),
        credited_cum = credited_cum - MAX(NEW.credited_minutes, 0),
        weighted_cum = weighted_cum - MAX(NEW.weighted_micro, 0)
    WHERE (NEW.raw_minutes > 0 OR NEW.credited_minutes > 0 OR NEW.weighted_micro > 0)
      AND volunteer_id = NEW.volunteer_id AND month >= NEW.local_date / 100;
END;
