-- 0011: incidents and their webhook outbox. An incident and its outbox row are written in one
-- transaction; deliverers claim due rows with FOR UPDATE SKIP LOCKED (incident_outbox_claim), so
-- replicas never claim the same attempt, and a claim leases the row until its attempt can have ended.

CREATE TABLE incidents (
    tenant        text        NOT NULL,
    id            text        NOT NULL,
    listed        bigint      GENERATED ALWAYS AS IDENTITY,
    workspace     text,
    agent         text        NOT NULL,
    tool          text        NOT NULL,
    intent_digest text        NOT NULL,
    finding_ids   text[]      NOT NULL,
    explanation   text,
    opened_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant, id)
);

CREATE INDEX incidents_tenant_listed ON incidents (tenant, listed);

CREATE TABLE incident_outbox (
    tenant          text        NOT NULL,
    incident_id     text        NOT NULL,
    state           text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    delivered_at    timestamptz,
    last_error      text,
    PRIMARY KEY (tenant, incident_id),
    FOREIGN KEY (tenant, incident_id) REFERENCES incidents (tenant, id) ON DELETE CASCADE
);

CREATE INDEX incident_outbox_due ON incident_outbox (next_attempt_at) WHERE state = 'pending';

ALTER TABLE incidents ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON incidents
    USING (tenant = current_setting('gamut.tenant', true))
    WITH CHECK (tenant = current_setting('gamut.tenant', true));

ALTER TABLE incident_outbox ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON incident_outbox
    USING (tenant = current_setting('gamut.tenant', true))
    WITH CHECK (tenant = current_setting('gamut.tenant', true));

-- The deliverer's one cross-tenant operation: claim due notifications of every tenant. It runs as the
-- schema owner (row-level security does not apply to the owner) and returns only what delivery needs.
CREATE FUNCTION incident_outbox_claim(claim_now timestamptz, lease_until timestamptz, max_rows integer)
RETURNS TABLE (tenant text, id text, workspace text, agent text, tool text, intent_digest text,
               finding_ids text[], explanation text, opened_at timestamptz, attempt integer)
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    WITH due AS (
        SELECT o.tenant, o.incident_id
        FROM incident_outbox o
        WHERE o.state = 'pending' AND o.next_attempt_at <= claim_now
        ORDER BY o.next_attempt_at
        LIMIT max_rows
        FOR UPDATE SKIP LOCKED
    ), claimed AS (
        UPDATE incident_outbox o
        SET attempts = o.attempts + 1, next_attempt_at = lease_until
        FROM due
        WHERE o.tenant = due.tenant AND o.incident_id = due.incident_id
        RETURNING o.tenant, o.incident_id, o.attempts
    )
    SELECT i.tenant, i.id, i.workspace, i.agent, i.tool, i.intent_digest, i.finding_ids, i.explanation, i.opened_at, c.attempts
    FROM claimed c
    JOIN incidents i ON i.tenant = c.tenant AND i.id = c.incident_id;
$$;

REVOKE ALL ON FUNCTION incident_outbox_claim(timestamptz, timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION incident_outbox_claim(timestamptz, timestamptz, integer) TO gamut_app;

GRANT SELECT, INSERT ON incidents TO gamut_app;
GRANT SELECT, INSERT ON incident_outbox TO gamut_app;
GRANT UPDATE (state, next_attempt_at, delivered_at, last_error) ON incident_outbox TO gamut_app;
