-- 0041: a row-by-row retirement through the record retention checked. Retention (AuditRetention) reads a chain from its
-- anchor, checks every record as `audit verify` does, exports them, and then asks audit_retire (0014/0032/0037) to retire
-- through the last one; that function checked only that a row with that seq was there, so a row edited between the
-- check and the call (by an operator with the append-only trigger off) was still retired, its edit taken into the
-- chain's anchor and kept leaves, the export no longer what was retired. The file and state-store sinks re-read and
-- re-seal that record when they retire; PostgreSQL now compares the stored row with what retention checked.
--
-- audit_retire(tenant, replica, through, hash, leaf) takes the checked record's hash (its seal, which becomes the anchor)
-- and its Merkle leaf hash, SHA-256(0x00 || its line), the hash 0032 keeps of every retired record. Under the locks of
-- 0037 it locks that row (FOR UPDATE: an edit waits until the retirement committed, and then finds no row), and refuses
-- with SQLSTATE GA005, nothing retired, unless the row's hash and the leaf hash of its line are those; then, in the same
-- transaction, it retires through the three-argument audit_retire (which answers 0 when another retirement got there
-- first, GA003 when there is no such record). That one stays, unchanged, for a gateway of the previous release during a
-- rolling upgrade.

CREATE FUNCTION audit_retire(p_tenant text, p_replica text, p_through bigint, p_hash text, p_leaf bytea) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    v_hash text;
    v_leaf bytea;
BEGIN
    IF p_tenant IS DISTINCT FROM current_setting('gamut.tenant', true) THEN
        RAISE EXCEPTION 'audit_retire: tenant % is not the tenant of the transaction', p_tenant USING ERRCODE = 'GA003';
    END IF;
    -- The locks the three-argument audit_retire takes (0037), taken first so that the row read below is the one it retires.
    PERFORM pg_advisory_xact_lock_shared(hashtext('audit_retention'), 0);
    PERFORM pg_advisory_xact_lock(hashtext('audit_retention'), hashtext(p_tenant || '/' || p_replica));
    SELECT r.hash, sha256('\x00'::bytea || convert_to(r.line, 'UTF8')) INTO v_hash, v_leaf
        FROM audit_records AS r WHERE r.tenant = p_tenant AND r.replica = p_replica AND r.seq = p_through FOR UPDATE;
    IF FOUND AND (v_hash IS DISTINCT FROM p_hash OR v_leaf IS DISTINCT FROM p_leaf) THEN
        RAISE EXCEPTION 'audit_retire: record % of chain %/% is not the record retention checked (edited since); nothing retired, run audit verify',
            p_through, p_tenant, p_replica USING ERRCODE = 'GA005';
    END IF;
    RETURN audit_retire(p_tenant, p_replica, p_through);
END $$;

REVOKE ALL ON FUNCTION audit_retire(text, text, bigint, text, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_retire(text, text, bigint, text, bytea) TO gamut_app;
