-- 0018: the request ids a record names, as an indexed column, so that a query by request id reads an index instead of
-- every line of the tenant's journal. A record names its own request_id, and a record standing for several requests
-- names each of them: its request_ids (folded refusals), its outcomes[].request_id (folded outcomes) and its
-- decisions[].request_id (folded decisions). request_ids holds them in that order (string values only), empty for a
-- record that names none, NULL only for a line that is not a JSON object (a hand edit). The gateway reads them from the
-- line and sends them beside it like the other columns (the database parses no JSON on insert). Rows written before
-- this migration are backfilled here from their lines, in this migration's transaction, so that every row answers from
-- the column and the query needs no fallback; rows a gateway of the previous version inserts after it (during a
-- rolling upgrade: its INSERT leaves the column NULL) are filled the same way by a row trigger that runs only then.

-- What the gateway reads from a line (PostgresAuditColumns), as SQL: used by the backfill below, and by anyone who
-- wants to check a row's column against its line.
CREATE FUNCTION audit_request_ids(p_line text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    doc jsonb;
BEGIN
    BEGIN
        doc := p_line::jsonb;
    EXCEPTION WHEN invalid_text_representation THEN
        RETURN NULL;
    END;
    IF jsonb_typeof(doc) IS DISTINCT FROM 'object' THEN
        RETURN NULL;
    END IF;

    RETURN (
        SELECT coalesce(array_agg(x.id ORDER BY x.part, x.position), '{}') FROM (
            SELECT 0 AS part, 0::bigint AS position, doc ->> 'request_id' AS id
            WHERE jsonb_typeof(doc -> 'request_id') = 'string'
            UNION ALL
            SELECT 1, e.position, e.item #>> '{}'
            FROM jsonb_array_elements(CASE WHEN jsonb_typeof(doc -> 'request_ids') = 'array' THEN doc -> 'request_ids' ELSE '[]' END)
                WITH ORDINALITY AS e(item, position)
            WHERE jsonb_typeof(e.item) = 'string'
            UNION ALL
            SELECT 2, e.position, e.item ->> 'request_id'
            FROM jsonb_array_elements(CASE WHEN jsonb_typeof(doc -> 'outcomes') = 'array' THEN doc -> 'outcomes' ELSE '[]' END)
                WITH ORDINALITY AS e(item, position)
            WHERE jsonb_typeof(e.item -> 'request_id') = 'string'
            UNION ALL
            SELECT 3, e.position, e.item ->> 'request_id'
            FROM jsonb_array_elements(CASE WHEN jsonb_typeof(doc -> 'decisions') = 'array' THEN doc -> 'decisions' ELSE '[]' END)
                WITH ORDINALITY AS e(item, position)
            WHERE jsonb_typeof(e.item -> 'request_id') = 'string') AS x);
END $$;

ALTER TABLE audit_records ADD COLUMN request_ids text[];

-- The backfill is the one update the journal ever gets: the append-only trigger is off for this transaction only
-- (DDL is transactional; no other session sees it off), and only the new column changes, so every line, and with it
-- every hash, stays as it was. Writers and readers wait for this transaction (adding the column locks the table).
ALTER TABLE audit_records DISABLE TRIGGER audit_records_immutable;
UPDATE audit_records SET request_ids = audit_request_ids(line);
ALTER TABLE audit_records ENABLE TRIGGER audit_records_immutable;

-- A row inserted without the column (a gateway of the previous version) gets it from its line; the gateway's own rows
-- always carry it (empty for none), so this runs for none of them.
CREATE FUNCTION audit_records_request_ids() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.request_ids := audit_request_ids(NEW.line);
    RETURN NEW;
END $$;

CREATE TRIGGER audit_records_request_ids BEFORE INSERT ON audit_records
    FOR EACH ROW WHEN (NEW.request_ids IS NULL) EXECUTE FUNCTION audit_records_request_ids();

-- Built after the backfill (one build instead of one insert per row). Tenant is checked on the rows the index finds
-- (and by row-level security); a request id names one request, so the index alone narrows the search to a few rows.
CREATE INDEX audit_records_request_ids ON audit_records USING gin (request_ids);
