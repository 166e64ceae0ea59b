-- INSERT OR REPLACE (and REPLACE) of an id already stored would delete the stored entry and insert
-- another: SQLite fires no DELETE trigger for the rows a REPLACE removes unless a connection turns
-- recursive_triggers on, so the no-delete trigger did not stop it. An insert of a stored id is now
-- skipped, whatever its conflict clause: what the store's own append (ON CONFLICT DO NOTHING) did.
CREATE TRIGGER vk_audit_log_no_replace BEFORE INSERT ON vk_audit_log
WHEN EXISTS (SELECT 1 FROM vk_audit_log WHERE id = NEW.id)
BEGIN SELECT RAISE(IGNORE); END;
