-- Indexes for LedgerRepository.isolated: does another entry of the volunteer share an instant with
-- this one, and has any entry of the volunteer been corrected?
-- The span index replaces the volunteer index (same leading column), so inserts pay for one index
-- here as before; the correction index holds only correction events.
DROP INDEX vk_hours_entries_volunteer;
CREATE INDEX vk_hours_entries_volunteer_span ON vk_hours_entries (volunteer_id, start_at, end_at);
CREATE INDEX vk_hours_events_corrected ON vk_hours_events (volunteer_id) WHERE type = 'corrected';
