-- 0037: retirements of one chain, one at a time, and a chain's anchor never moving back. Two replicas' retention jobs
-- retiring the same chain together (audit_retire, 0014/0032) each read their last record while both were still there;
-- the second one's upsert waited on the first's row of audit_anchors and then wrote its own, older, seq over it: the
-- chain's anchor moved back over records already deleted, and verification failed with sequence_gap from then on.
--
-- Every retirement now takes a transaction advisory lock first: audit_retire the chain's own, and the retention key
-- shared, so that retirements of different chains still run side by side; audit_partition_retire (0031), which moves
-- the anchors of every chain in a partition, the retention key exclusive. Each statement after the lock reads what the
-- retirement before it committed. A retirement through a record at or before the chain's anchor retires nothing and
-- answers 0 (another one got there first), and the anchor's upsert only ever moves it forward.

CREATE OR REPLACE FUNCTION audit_retire(p_tenant text, p_replica text, p_through bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    v_hash    text;
    v_anchor  bigint;
    v_deleted bigint;
BEGIN
    IF p_tenant IS DISTINCT FROM current_setting('gamut.tenant', true) THEN
        RAISE EXCEPTION 'audit_retire: tenant % is not the tenant of the transaction', p_tenant USING ERRCODE = 'GA003';
    END IF;
    PERFORM pg_advisory_xact_lock_shared(hashtext('audit_retention'), 0);
    PERFORM pg_advisory_xact_lock(hashtext('audit_retention'), hashtext(p_tenant || '/' || p_replica));
    SELECT seq INTO v_anchor FROM audit_anchors WHERE tenant = p_tenant AND replica = p_replica;
    IF v_anchor >= p_through THEN
        RETURN 0;
    END IF;
    SELECT hash INTO v_hash FROM audit_records WHERE tenant = p_tenant AND replica = p_replica AND seq = p_through;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'audit_retire: chain %/% has no record %', p_tenant, p_replica, p_through USING ERRCODE = 'GA003';
    END IF;
    INSERT INTO audit_anchors (tenant, replica, seq, hash) VALUES (p_tenant, p_replica, p_through, v_hash)
        ON CONFLICT (tenant, replica) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, retired_at = now()
        WHERE audit_anchors.seq < EXCLUDED.seq;
    PERFORM set_config('gamut.audit_retire', 'on', true);
    DELETE FROM audit_records WHERE tenant = p_tenant AND replica = p_replica AND seq <= p_through;
    GET DIAGNOSTICS v_deleted = ROW_COUNT;
    PERFORM set_config('gamut.audit_retire', 'off', true);
    RETURN v_deleted;
END $$;

-- The partition retirement of 0031, unchanged, under the retention key held exclusively: it checks each chain's records
-- in the partition start right after the chain's anchor, and no other retirement moves an anchor until it commits.
ALTER FUNCTION audit_partition_retire(text, text[], text[], bigint[], bigint[], text[], boolean) RENAME TO audit_partition_retire_0031;

CREATE FUNCTION audit_partition_retire(
    p_name text, p_tenants text[], p_replicas text[], p_counts bigint[], p_last_seqs bigint[], p_last_hashes text[], p_drop boolean)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('audit_retention'), 0);
    RETURN audit_partition_retire_0031(p_name, p_tenants, p_replicas, p_counts, p_last_seqs, p_last_hashes, p_drop);
END $$;

REVOKE ALL ON FUNCTION audit_partition_retire(text, text[], text[], bigint[], bigint[], text[], boolean) FROM PUBLIC;
