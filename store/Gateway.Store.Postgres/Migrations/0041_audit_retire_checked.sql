-- 0041: a row-by-row retirement of the records retention checked. Retention (AuditRetention) reads a chain from its
-- anchor, checks every record as `audit verify` does, exports them, and then asks audit_retire (0014/0032/0037) to retire
-- through the last one; that function checked only that a row with that seq was there, so a row edited between the
-- check and the call (by an operator with the append-only trigger off) was still retired, its edit taken into the
-- chain's anchor and the kept leaves (0032 hashes every retired row's stored line), the export no longer what was
-- retired. The file and state-store sinks re-read and re-seal the records when they retire; PostgreSQL now compares
-- every stored row it would retire with what retention checked.
--
-- audit_retire(tenant, replica, from, through, hash, leaves) takes the seqs of the first and last records retention
-- checked (from is the anchor's seq + 1), the last one's hash (its seal, which becomes the anchor) and the SHA-256 of
-- the Merkle leaf hashes, SHA-256(0x00 || line), of records from..through concatenated in seq order (the hashes 0032
-- keeps). Under the locks of 0037 it locks those rows (FOR UPDATE: an edit waits until the retirement committed, and
-- then finds no row), recomputes the digest from their stored lines, and refuses with SQLSTATE GA005, nothing retired,
-- unless every one of them is there, the last one's hash is that hash and the digest is that digest (a row edited
-- since, or a retirement beside this one that took some of them: the next run reads the chain again); then, in the
-- same transaction, it retires through the three-argument audit_retire (which answers 0 when another retirement took
-- all of them first, GA003 when there is no such record). That one stays, unchanged, for a gateway of the previous
-- release during a rolling upgrade.

CREATE FUNCTION audit_retire(p_tenant text, p_replica text, p_from bigint, p_through bigint, p_hash text, p_leaves bytea) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    v_count bigint;
    v_hash text;
    v_leaves bytea;
BEGIN
    IF p_tenant IS DISTINCT FROM current_setting('gamut.tenant', true) THEN
        RAISE EXCEPTION 'audit_retire: tenant % is not the tenant of the transaction', p_tenant USING ERRCODE = 'GA003';
    END IF;
    IF p_from IS NULL OR p_through IS NULL OR p_from < 1 OR p_from > p_through THEN
        RAISE EXCEPTION 'audit_retire: records %..% are not a range to retire', p_from, p_through USING ERRCODE = 'GA003';
    END IF;
    -- The locks the three-argument audit_retire takes (0037), taken first so that the rows read below are the ones it retires.
    PERFORM pg_advisory_xact_lock_shared(hashtext('audit_retention'), 0);
    PERFORM pg_advisory_xact_lock(hashtext('audit_retention'), hashtext(p_tenant || '/' || p_replica));
    SELECT count(*), (array_agg(c.hash ORDER BY c.seq DESC))[1], sha256(coalesce(string_agg(c.leaf, ''::bytea ORDER BY c.seq), ''::bytea))
        INTO v_count, v_hash, v_leaves
        FROM (SELECT r.seq, r.hash, sha256('\x00'::bytea || convert_to(r.line, 'UTF8')) AS leaf
                FROM audit_records AS r
                WHERE r.tenant = p_tenant AND r.replica = p_replica AND r.seq BETWEEN p_from AND p_through
                FOR UPDATE) AS c;
    IF v_count > 0 AND (v_count <> p_through - p_from + 1 OR v_hash IS DISTINCT FROM p_hash OR v_leaves IS DISTINCT FROM p_leaves) THEN
        RAISE EXCEPTION 'audit_retire: records %..% of chain %/% are not the records retention checked (edited or retired since); nothing retired, run audit verify',
            p_from, p_through, p_tenant, p_replica USING ERRCODE = 'GA005';
    END IF;
    RETURN audit_retire(p_tenant, p_replica, p_through);
END $$;

REVOKE ALL ON FUNCTION audit_retire(text, text, bigint, bigint, text, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_retire(text, text, bigint, bigint, text, bytea) TO gamut_app;
