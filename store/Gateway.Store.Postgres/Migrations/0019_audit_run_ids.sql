-- 0019: the run a record names (its top-level run_id: a request that acted in a run, or a run's own record), as an
-- indexed column, so that a run's timeline (every record of the run, in time order) reads an index instead of every line
-- of the tenant's journal. The gateway reads it from the line and sends it beside it like the other columns (the
-- database parses no JSON on insert). No row written before this migration names a run (no earlier gateway wrote one),
-- so there is nothing to backfill; a gateway of the previous version, during a rolling upgrade, never writes one either.
ALTER TABLE audit_records ADD COLUMN run_id text;

CREATE INDEX audit_records_tenant_run_time ON audit_records (tenant, run_id, time) WHERE run_id IS NOT NULL;
