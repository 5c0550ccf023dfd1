-- 0030: the audit journal partitioned by day. audit_records becomes a table partitioned by range on stored_at, the
-- database's time when the row was stored (the time of the inserting transaction: DEFAULT now(); the gateway never sends
-- it). A record's own time (its line's "time") is the gateway's clock, which may be skewed, faked in a test, or behind
-- after a restart, so it decides nothing about where a row lives; stored_at grows with the commits of one primary, so a
-- day's partition holds, of every chain, the records stored that day, which follow the records of the days before.
-- Partitions are one UTC day each, named audit_records_pYYYYMMDD, created ahead by audit_partitions_ensure (the
-- gateway calls it at start-up and every hour). Retention retires the oldest whole partition after exporting it
-- (audit_partition_retire, migration 0031; gatewayctl audit retire-partition).
--
-- The existing table is converted in place, in this migration's transaction: it becomes the first partition,
-- audit_records_before_YYYYMMDD, holding everything stored until the end of today (UTC). Its rows are not rewritten
-- and its indexes are not rebuilt: stored_at is added with a default (kept in the catalog, not written into each row),
-- the parent's indexes are created with the definitions of the table's own, which are then attached to them, and its
-- primary key (tenant, replica, seq) stays its own (a partitioned table's unique keys must include the partition key;
-- every partition keeps this one, and the chain trigger keeps seq unique across partitions, as it always linked it).
-- Attaching reads the table once to check its rows fit the bound; writers wait for this transaction. Its triggers, row
-- level security policies and grants move to the parent, generically, so that whatever an earlier migration added to
-- audit_records comes along: row triggers are cloned onto every partition; statement triggers (the chain link, with
-- its transition table) fire on the parent, which is the only table the application role may touch.

ALTER TABLE audit_records ADD COLUMN stored_at timestamptz NOT NULL DEFAULT now();

DO $$
DECLARE
    v_bound   timestamptz := date_trunc('day', now(), 'UTC') + interval '1 day';
    v_legacy  text := 'audit_records_before_' || to_char(date_trunc('day', now(), 'UTC') AT TIME ZONE 'UTC' + interval '1 day', 'YYYYMMDD');
    v_oid     oid;
    v_item    record;
BEGIN
    v_oid := 'audit_records'::regclass;
    EXECUTE format('ALTER TABLE audit_records RENAME TO %I', v_legacy);

    -- The table's indexes take the partition's name, so that the parent's can have theirs.
    FOR v_item IN
        SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = v_oid
    LOOP
        IF v_item.name LIKE 'audit_records%' THEN
            EXECUTE format('ALTER INDEX %I RENAME TO %I', v_item.name, v_legacy || substr(v_item.name, length('audit_records') + 1));
        END IF;
    END LOOP;

    EXECUTE format($sql$
        CREATE TABLE audit_records (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING IDENTITY
            INCLUDING STORAGE INCLUDING COMPRESSION INCLUDING COMMENTS INCLUDING STATISTICS)
        PARTITION BY RANGE (stored_at)
        $sql$, v_legacy);

    -- Every index but the unique ones (the primary key stays the partition's own), under its old name, on the parent.
    FOR v_item IN
        SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = v_oid AND NOT i.indisunique
    LOOP
        EXECUTE format('CREATE INDEX %I ON audit_records %s',
            'audit_records' || substr(v_item.name, length(v_legacy) + 1),
            substring(v_item.definition FROM ' USING .*$'));
    END LOOP;

    -- Triggers: dropped from the table, created on the parent (row triggers come back onto the partition when it is attached).
    FOR v_item IN
        SELECT t.tgname AS name, pg_get_triggerdef(t.oid) AS definition FROM pg_trigger t WHERE t.tgrelid = v_oid AND NOT t.tgisinternal
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %I', v_item.name, v_legacy);
        EXECUTE regexp_replace(v_item.definition, ' ON \S+ ', ' ON audit_records ');
    END LOOP;

    -- Row level security and its policies on the parent (the partition keeps its own, for anyone who reads it directly).
    ALTER TABLE audit_records ENABLE ROW LEVEL SECURITY;
    FOR v_item IN
        SELECT p.policyname, p.permissive, p.cmd, p.qual, p.with_check,
               (SELECT string_agg(CASE WHEN r = 'public' THEN 'PUBLIC' ELSE quote_ident(r) END, ', ') FROM unnest(p.roles) AS r) AS roles
        FROM pg_policies p WHERE p.schemaname = current_schema() AND p.tablename = v_legacy
    LOOP
        EXECUTE format('CREATE POLICY %I ON audit_records AS %s FOR %s TO %s%s%s',
            v_item.policyname, v_item.permissive, v_item.cmd, v_item.roles,
            CASE WHEN v_item.qual IS NULL THEN '' ELSE ' USING (' || v_item.qual || ')' END,
            CASE WHEN v_item.with_check IS NULL THEN '' ELSE ' WITH CHECK (' || v_item.with_check || ')' END);
    END LOOP;

    -- Grants move to the parent: the application role reaches rows only through it (and its policies).
    FOR v_item IN
        SELECT CASE WHEN g.grantee = 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(g.grantee) END AS grantee, string_agg(g.privilege_type, ', ') AS privileges
        FROM information_schema.role_table_grants g
        WHERE g.table_schema = current_schema() AND g.table_name = v_legacy AND g.grantee <> current_user
        GROUP BY g.grantee
    LOOP
        EXECUTE format('GRANT %s ON audit_records TO %s', v_item.privileges, v_item.grantee);
        EXECUTE format('REVOKE ALL ON %I FROM %s', v_legacy, v_item.grantee);
    END LOOP;

    EXECUTE format('ALTER TABLE audit_records ATTACH PARTITION %I FOR VALUES FROM (MINVALUE) TO (%L)', v_legacy, v_bound);
    EXECUTE format('CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION audit_records_immutable()', v_legacy);
END $$;

-- The partitions of audit_records, oldest first: name and range of stored_at [lower, upper) (lower NULL: from the start).
CREATE FUNCTION audit_partitions() RETURNS TABLE (name text, lower timestamptz, upper timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT c.relname::text,
           CASE WHEN b.bound LIKE 'FOR VALUES FROM (MINVALUE)%' THEN NULL
                ELSE substring(b.bound FROM 'FROM \(''([^'']+)''\)')::timestamptz END,
           substring(b.bound FROM 'TO \(''([^'']+)''\)')::timestamptz
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS bound) b
    WHERE i.inhparent = 'audit_records'::regclass
    ORDER BY 3
$$;

-- Creates the partition of the UTC day that contains p_day (audit_records_pYYYYMMDD) and returns its name. It is made
-- apart and then attached, which takes a lock on audit_records that writers do not wait for (not the lock that creating
-- it as a partition would take); its primary key is its own (tenant, replica, seq), its other indexes and its row
-- triggers come from the parent. A day that overlaps an existing partition is refused by PostgreSQL (42P17).
CREATE FUNCTION audit_partition_create(p_day timestamptz) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    v_from timestamptz := date_trunc('day', p_day, 'UTC');
    v_name text := 'audit_records_p' || to_char(date_trunc('day', p_day, 'UTC') AT TIME ZONE 'UTC', 'YYYYMMDD');
BEGIN
    EXECUTE format('CREATE TABLE %I (LIKE audit_records INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMPRESSION)', v_name);
    EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (tenant, replica, seq)', v_name);
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', v_name);
    EXECUTE format('CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION audit_records_immutable()', v_name);
    EXECUTE format('ALTER TABLE audit_records ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', v_name, v_from, v_from + interval '1 day');
    RETURN v_name;
END $$;

-- Creates the daily partitions from the end of the newest one through p_days_ahead days after today (UTC), and returns
-- how many it created (0: every one was there). One caller at a time (a transaction advisory lock): replicas starting
-- together create each partition once.
CREATE FUNCTION audit_partitions_ensure(p_days_ahead integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    v_from    timestamptz;
    v_until   timestamptz;
    v_created integer := 0;
BEGIN
    IF p_days_ahead IS NULL OR p_days_ahead < 1 OR p_days_ahead > 366 THEN
        RAISE EXCEPTION 'audit_partitions_ensure: days ahead must be 1 to 366, not %', p_days_ahead USING ERRCODE = 'GA004';
    END IF;

    PERFORM pg_advisory_xact_lock(hashtext('audit_partitions_ensure'));
    v_until := date_trunc('day', now(), 'UTC') + make_interval(days => p_days_ahead + 1);
    SELECT max(p.upper) INTO v_from FROM audit_partitions() AS p;
    v_from := coalesce(v_from, date_trunc('day', now(), 'UTC'));
    WHILE v_from < v_until LOOP
        PERFORM audit_partition_create(v_from);
        v_from := v_from + interval '1 day';
        v_created := v_created + 1;
    END LOOP;
    RETURN v_created;
END $$;

REVOKE ALL ON FUNCTION audit_partition_create(timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION audit_partitions() FROM PUBLIC;
REVOKE ALL ON FUNCTION audit_partitions_ensure(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_partitions() TO gamut_app;
GRANT EXECUTE ON FUNCTION audit_partitions_ensure(integer) TO gamut_app;

SELECT audit_partitions_ensure(7);
