-- 0031: retention of the journal at volume: a whole day's partition (migration 0030) retired at once, after it was
-- exported, by detaching it (and dropping it), instead of deleting its rows one by one (audit_retire, migration 0014).
-- The exporter (gatewayctl audit retire-partition) writes what the partition holds, per tenant, in the export format
-- that `gatewayctl audit verify --file` checks, and hands this function what it wrote: per chain (tenant and replica)
-- the number of records and the last one's seq and hash. In one transaction the function then
--   1. refuses a partition that has not ended (its day can still take records) or that is not the oldest one;
--   2. locks the partition against writes (SHARE: the writers, which insert into today's partition, never wait for it;
--      a row-by-row retirement does);
--   3. checks the partition holds exactly what was exported (a record stored since the export refuses it: export again);
--   4. checks each chain's records in it are the next ones of that chain: from the record after its anchor on, without a
--      gap, none of its earlier records left in the journal (a partition that is not a prefix of every chain in it, as
--      after a primary's clock went back across midnight, is refused and stays);
--   5. moves each chain's anchor (audit_anchors, migration 0014) to its last record in the partition, so that the chain
--      verifies from there: the next record, in the next partition, links to that anchor's hash;
--   6. detaches the partition and, when p_drop, drops it. Detaching takes the one lock writers wait for, held only from
--      the detach to the commit right after it; each attempt waits at most half a second for it (a long query on the
--      journal holding it off), up to ten attempts a second apart, so that a retirement never stalls the writers.
-- SQLSTATE GA004 for every refusal; nothing changes then.

CREATE FUNCTION audit_partition_retire(
    p_name text, p_tenants text[], p_replicas text[], p_counts bigint[], p_last_seqs bigint[], p_last_hashes text[], p_drop boolean)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    v_upper  timestamptz;
    v_oldest text;
    v_bad    text;
    v_try    integer := 0;
BEGIN
    IF cardinality(p_tenants) IS DISTINCT FROM cardinality(p_replicas) OR cardinality(p_tenants) IS DISTINCT FROM cardinality(p_counts)
       OR cardinality(p_tenants) IS DISTINCT FROM cardinality(p_last_seqs) OR cardinality(p_tenants) IS DISTINCT FROM cardinality(p_last_hashes) THEN
        RAISE EXCEPTION 'audit_partition_retire: the chains exported are not described by arrays of one length' USING ERRCODE = 'GA004';
    END IF;

    SELECT p.upper INTO v_upper FROM audit_partitions() AS p WHERE p.name = p_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'audit_partition_retire: % is not a partition of audit_records', p_name USING ERRCODE = 'GA004';
    END IF;
    IF v_upper > now() THEN
        RAISE EXCEPTION 'audit_partition_retire: % still takes records until %', p_name, v_upper USING ERRCODE = 'GA004';
    END IF;
    SELECT p.name INTO v_oldest FROM audit_partitions() AS p ORDER BY p.upper LIMIT 1;
    IF v_oldest <> p_name THEN
        RAISE EXCEPTION 'audit_partition_retire: % is older than %: retire it first', v_oldest, p_name USING ERRCODE = 'GA004';
    END IF;

    PERFORM set_config('lock_timeout', '5s', true);
    EXECUTE format('LOCK TABLE %I IN SHARE MODE', p_name);

    EXECUTE format($q$
        SELECT coalesce(h.tenant, x.tenant) || '/' || coalesce(h.replica, x.replica)
        FROM (SELECT r.tenant, r.replica, count(*) AS n, max(r.seq) AS last FROM %1$I AS r GROUP BY r.tenant, r.replica) AS h
        FULL JOIN unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[]) AS x(tenant, replica, n, last, hash)
            ON x.tenant = h.tenant AND x.replica = h.replica
        WHERE h.n IS DISTINCT FROM x.n OR h.last IS DISTINCT FROM x.last
           OR NOT EXISTS (SELECT FROM %1$I AS r WHERE r.tenant = x.tenant AND r.replica = x.replica AND r.seq = x.last AND r.hash = x.hash)
        LIMIT 1
        $q$, p_name) INTO v_bad USING p_tenants, p_replicas, p_counts, p_last_seqs, p_last_hashes;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'audit_partition_retire: % does not hold what was exported of chain %: export it again', p_name, v_bad USING ERRCODE = 'GA004';
    END IF;

    EXECUTE format($q$
        SELECT h.tenant || '/' || h.replica
        FROM (SELECT r.tenant, r.replica, count(*) AS n, min(r.seq) AS first, max(r.seq) AS last FROM %1$I AS r GROUP BY r.tenant, r.replica) AS h
        LEFT JOIN audit_anchors AS a ON a.tenant = h.tenant AND a.replica = h.replica
        WHERE h.first <> coalesce(a.seq, 0) + 1 OR h.n <> h.last - h.first + 1
           OR EXISTS (SELECT FROM audit_records AS r
                      WHERE r.tenant = h.tenant AND r.replica = h.replica AND r.seq <= h.last AND r.tableoid <> %1$L::regclass)
        LIMIT 1
        $q$, p_name) INTO v_bad;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'audit_partition_retire: the records of chain % in % are not the next ones after its anchor', v_bad, p_name USING ERRCODE = 'GA004';
    END IF;

    INSERT INTO audit_anchors (tenant, replica, seq, hash)
    SELECT x.tenant, x.replica, x.last, x.hash FROM unnest(p_tenants, p_replicas, p_last_seqs, p_last_hashes) AS x(tenant, replica, last, hash)
    ON CONFLICT (tenant, replica) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, retired_at = now();

    PERFORM set_config('lock_timeout', '500ms', true);
    LOOP
        BEGIN
            EXECUTE format('ALTER TABLE audit_records DETACH PARTITION %I', p_name);
            EXIT;
        EXCEPTION WHEN lock_not_available THEN
            v_try := v_try + 1;
            IF v_try >= 10 THEN
                RAISE EXCEPTION 'audit_partition_retire: audit_records stayed locked by other sessions; nothing was retired, try again' USING ERRCODE = 'GA004';
            END IF;
            PERFORM pg_sleep(1);
        END;
    END LOOP;
    IF p_drop THEN
        EXECUTE format('DROP TABLE %I', p_name);
    END IF;

    RETURN coalesce((SELECT sum(n) FROM unnest(p_counts) AS n), 0);
END $$;

REVOKE ALL ON FUNCTION audit_partition_retire(text, text[], text[], bigint[], bigint[], text[], boolean) FROM PUBLIC;
