-- 0014: audit retention. A prefix of a chain may be retired only through audit_retire (SECURITY DEFINER,
-- owned by the schema owner), after the gateway has exported it; the function records an anchor (the
-- last retired record's seq and hash) so that verification continues from it. The application role
-- still has no DELETE privilege, and the append-only trigger lets a DELETE through only while
-- audit_retire has set the transaction-local flag gamut.audit_retire.

CREATE TABLE audit_anchors (
    tenant     text        NOT NULL,
    replica    text        NOT NULL,
    seq        bigint      NOT NULL,
    hash       text        NOT NULL,
    retired_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, replica)
);

ALTER TABLE audit_anchors ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_anchors
    USING (tenant = current_setting('gamut.tenant', true));
GRANT SELECT ON audit_anchors TO gamut_app;

CREATE OR REPLACE FUNCTION audit_records_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('gamut.audit_retire', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit records are append-only' USING ERRCODE = 'GA002';
END $$;

-- Retires records 1..p_through of the tenant's chain on p_replica (the tenant of the transaction only)
-- and moves the chain's anchor to record p_through. SQLSTATE GA003: no such record, or not the next prefix.
CREATE FUNCTION audit_retire(p_tenant text, p_replica text, p_through bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    v_hash    text;
    v_deleted bigint;
BEGIN
    IF p_tenant IS DISTINCT FROM current_setting('gamut.tenant', true) THEN
        RAISE EXCEPTION 'audit_retire: tenant % is not the tenant of the transaction', p_tenant USING ERRCODE = 'GA003';
    END IF;
    SELECT hash INTO v_hash FROM audit_records WHERE tenant = p_tenant AND replica = p_replica AND seq = p_through;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'audit_retire: chain %/% has no record %', p_tenant, p_replica, p_through USING ERRCODE = 'GA003';
    END IF;
    PERFORM set_config('gamut.audit_retire', 'on', true);
    DELETE FROM audit_records WHERE tenant = p_tenant AND replica = p_replica AND seq <= p_through;
    GET DIAGNOSTICS v_deleted = ROW_COUNT;
    PERFORM set_config('gamut.audit_retire', 'off', true);
    INSERT INTO audit_anchors (tenant, replica, seq, hash) VALUES (p_tenant, p_replica, p_through, v_hash)
        ON CONFLICT (tenant, replica) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, retired_at = now();
    RETURN v_deleted;
END $$;

REVOKE ALL ON FUNCTION audit_retire(text, text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_retire(text, text, bigint) TO gamut_app;

-- The tenants that have an audit chain: the retention job's work list (slugs only; no row of any tenant).
CREATE FUNCTION audit_tenants() RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT DISTINCT tenant FROM audit_chains ORDER BY 1
$$;

REVOKE ALL ON FUNCTION audit_tenants() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_tenants() TO gamut_app;
