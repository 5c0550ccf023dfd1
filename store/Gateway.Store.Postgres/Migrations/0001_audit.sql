-- 0001: the application role and the audit journal.
-- The application runs every transaction as gamut_app (SET LOCAL ROLE), which owns nothing, so
-- row-level security applies to it; gamut.tenant (SET LOCAL via set_config) scopes every row.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gamut_app') THEN
        CREATE ROLE gamut_app NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- another database of the same cluster created it meanwhile
END $$;

DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'gamut_app', 'MEMBER') THEN
        EXECUTE format('GRANT gamut_app TO %I', current_user);
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO gamut_app', current_schema());
END $$;

-- The tip of each chain (one per tenant per replica), maintained only by the insert trigger.
CREATE TABLE audit_chains (
    tenant    text   NOT NULL,
    replica   text   NOT NULL,
    length    bigint NOT NULL,
    last_hash text   NOT NULL,
    PRIMARY KEY (tenant, replica)
);

-- One journal line per row: line is the exact sealed JSON (what verification hashes); the other
-- columns are copies of its members for queries.
CREATE TABLE audit_records (
    tenant    text        NOT NULL,
    replica   text        NOT NULL,
    seq       bigint      NOT NULL,
    time      timestamptz NOT NULL,
    agent     text        NOT NULL,
    tool      text,
    decision  text        NOT NULL,
    prev_hash text        NOT NULL,
    hash      text        NOT NULL,
    line      text        NOT NULL,
    PRIMARY KEY (tenant, replica, seq)
);

CREATE INDEX audit_records_tenant_time ON audit_records (tenant, time);
CREATE INDEX audit_records_tenant_agent_time ON audit_records (tenant, agent, time);

-- Each inserted row must extend its chain: seq = tip + 1 and prev_hash = the tip's hash (genesis:
-- seq 1 and 64 zeros). Rows of one multi-row INSERT are checked in order. SQLSTATE GA001 = does not link.
CREATE FUNCTION audit_records_link() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    tip audit_chains%ROWTYPE;
BEGIN
    SELECT * INTO tip FROM audit_chains WHERE tenant = NEW.tenant AND replica = NEW.replica FOR UPDATE;
    IF NOT FOUND THEN
        IF NEW.seq <> 1 OR NEW.prev_hash <> repeat('0', 64) THEN
            RAISE EXCEPTION 'audit chain %/% does not link at seq %', NEW.tenant, NEW.replica, NEW.seq USING ERRCODE = 'GA001';
        END IF;
        INSERT INTO audit_chains (tenant, replica, length, last_hash) VALUES (NEW.tenant, NEW.replica, 1, NEW.hash);
    ELSE
        IF NEW.seq <> tip.length + 1 OR NEW.prev_hash <> tip.last_hash THEN
            RAISE EXCEPTION 'audit chain %/% does not link at seq %', NEW.tenant, NEW.replica, NEW.seq USING ERRCODE = 'GA001';
        END IF;
        UPDATE audit_chains SET length = NEW.seq, last_hash = NEW.hash WHERE tenant = NEW.tenant AND replica = NEW.replica;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER audit_records_link BEFORE INSERT ON audit_records
    FOR EACH ROW EXECUTE FUNCTION audit_records_link();

-- Append-only, even for the owner (an operator must disable the trigger to hand-edit, and audit verify names the edit).
CREATE FUNCTION audit_records_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only' USING ERRCODE = 'GA002';
END $$;

CREATE TRIGGER audit_records_immutable BEFORE UPDATE OR DELETE ON audit_records
    FOR EACH ROW EXECUTE FUNCTION audit_records_immutable();
CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records
    FOR EACH STATEMENT EXECUTE FUNCTION audit_records_immutable();

ALTER TABLE audit_records ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_records
    USING (tenant = current_setting('gamut.tenant', true))
    WITH CHECK (tenant = current_setting('gamut.tenant', true));

ALTER TABLE audit_chains ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_chains
    USING (tenant = current_setting('gamut.tenant', true));

GRANT SELECT, INSERT ON audit_records TO gamut_app;
GRANT SELECT ON audit_chains TO gamut_app;
