-- 0032: the Merkle leaf hashes of retired records (docs/evidence.md, "The Merkle audit log"). Leaf i of a chain's tree is
-- SHA-256(0x00 || the line of record i + 1); the gateway derives the leaves from the stored lines, so once retention
-- removed a chain's first records (audit_retire, 0014; audit_partition_retire, 0031) no replica could rebuild the tree,
-- and every inclusion and consistency proof of the chain answered 409 audit_tree_incomplete. Retention now keeps, per
-- chain, the leaf hash of each record it removes: 32 bytes a record, in runs (one row per retirement: first_seq ..
-- last_seq, the hashes concatenated in seq order), never removed by retention. With them and the kept lines the whole
-- tree is known: inclusion proofs of every kept record and consistency proofs between any two tree sizes keep working.
-- A leaf hash reveals nothing of its record (a hash of the whole line).
--
-- The hashes are taken where both retirements move the chain's anchor: a trigger on audit_anchors, which hashes the
-- records between the old anchor and the new one while they are still in audit_records, in the retiring transaction.
-- audit_partition_retire already moves the anchor before it detaches the partition; audit_retire is redefined below to
-- move it before it deletes (otherwise unchanged). Chains retired before this migration keep their gap (their first
-- leaves are gone with their lines): their proofs still answer audit_tree_incomplete.

CREATE TABLE audit_retired_leaves (
    tenant    text   NOT NULL,
    replica   text   NOT NULL,
    first_seq bigint NOT NULL,
    last_seq  bigint NOT NULL,
    leaves    bytea  NOT NULL,
    PRIMARY KEY (tenant, replica, first_seq),
    CHECK (last_seq >= first_seq AND octet_length(leaves) = 32 * (last_seq - first_seq + 1))
);

ALTER TABLE audit_retired_leaves ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_retired_leaves
    USING (tenant = current_setting('gamut.tenant', true));
GRANT SELECT ON audit_retired_leaves TO gamut_app;

CREATE FUNCTION audit_anchors_keep_leaves() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    v_from bigint := CASE WHEN TG_OP = 'UPDATE' THEN OLD.seq ELSE 0 END;
BEGIN
    IF NEW.seq > v_from THEN
        INSERT INTO audit_retired_leaves (tenant, replica, first_seq, last_seq, leaves)
        SELECT NEW.tenant, NEW.replica, min(r.seq), max(r.seq),
               string_agg(sha256('\x00'::bytea || convert_to(r.line, 'UTF8')), ''::bytea ORDER BY r.seq)
        FROM audit_records AS r
        WHERE r.tenant = NEW.tenant AND r.replica = NEW.replica AND r.seq > v_from AND r.seq <= NEW.seq
        HAVING count(*) > 0
        ON CONFLICT (tenant, replica, first_seq) DO NOTHING;
    END IF;
    RETURN NEW;
END $$;

REVOKE ALL ON FUNCTION audit_anchors_keep_leaves() FROM PUBLIC;

CREATE TRIGGER audit_anchors_keep_leaves
    BEFORE INSERT OR UPDATE ON audit_anchors
    FOR EACH ROW EXECUTE FUNCTION audit_anchors_keep_leaves();

-- As in 0014, with the anchor moved first (the trigger above hashes the records it retires), then the rows deleted.
CREATE OR REPLACE FUNCTION audit_retire(p_tenant text, p_replica text, p_through bigint) RETURNS bigint
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
    INSERT INTO audit_anchors (tenant, replica, seq, hash) VALUES (p_tenant, p_replica, p_through, v_hash)
        ON CONFLICT (tenant, replica) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, retired_at = now();
    PERFORM set_config('gamut.audit_retire', 'on', true);
    DELETE FROM audit_records WHERE tenant = p_tenant AND replica = p_replica AND seq <= p_through;
    GET DIAGNOSTICS v_deleted = ROW_COUNT;
    PERFORM set_config('gamut.audit_retire', 'off', true);
    RETURN v_deleted;
END $$;
