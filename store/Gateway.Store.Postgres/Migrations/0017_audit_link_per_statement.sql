-- 0017: the chain link checked once per INSERT statement instead of once per row. The rule is 0001's:
-- every inserted row must extend its chain (seq = tip + 1, prev_hash = the tip's hash; genesis: seq 1 and
-- 64 zeros), rows of one statement in seq order, SQLSTATE GA001 otherwise. The row trigger locked and
-- updated the chain's tip once per row, so a group of n rows wrote n versions of the tip row in one
-- transaction, each found again by the next row's lookup; this statement trigger reads the inserted rows
-- (a transition table), locks each chain's tip once, checks every row against it and moves the tip once.
-- It runs after the rows are in place, and any refusal aborts the statement, so nothing of it is kept. A row
-- that repeats a stored seq meets the primary key before that check (a unique violation, which the gateway
-- reads as a lost race like GA001), except a second genesis: a seq-1 row for a chain that already has a tip
-- (a replica starting its chain over) is refused with GA001 by a row trigger that runs for seq-1 rows only.
-- The link trigger keeps its name (an operator disables audit_records_link to insert behind its back).

CREATE FUNCTION audit_records_link_statement() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    chain record;
    tip   audit_chains%ROWTYPE;
    bad   bigint;
BEGIN
    -- Chains in a fixed order, so two statements that touch the same chains lock them in the same order.
    FOR chain IN SELECT tenant, replica, count(*) AS n FROM inserted GROUP BY tenant, replica ORDER BY tenant, replica LOOP
        SELECT * INTO tip FROM audit_chains WHERE tenant = chain.tenant AND replica = chain.replica FOR UPDATE;
        IF NOT FOUND THEN
            tip.length := 0;
            tip.last_hash := repeat('0', 64);
        END IF;

        -- The k-th row in seq order must be record tip + k and link to the row before it (the first to the tip).
        SELECT x.seq INTO bad FROM (
            SELECT i.seq, i.prev_hash, row_number() OVER w AS k, lag(i.hash) OVER w AS before
            FROM inserted AS i
            WHERE i.tenant = chain.tenant AND i.replica = chain.replica
            WINDOW w AS (ORDER BY i.seq)) AS x
        WHERE x.seq <> tip.length + x.k OR x.prev_hash <> coalesce(x.before, tip.last_hash)
        ORDER BY x.seq
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'audit chain %/% does not link at seq %', chain.tenant, chain.replica, bad USING ERRCODE = 'GA001';
        END IF;

        IF tip.tenant IS NULL THEN
            INSERT INTO audit_chains (tenant, replica, length, last_hash)
            SELECT i.tenant, i.replica, i.seq, i.hash FROM inserted AS i
            WHERE i.tenant = chain.tenant AND i.replica = chain.replica AND i.seq = chain.n;
        ELSE
            UPDATE audit_chains AS c SET length = i.seq, last_hash = i.hash
            FROM inserted AS i
            WHERE c.tenant = chain.tenant AND c.replica = chain.replica
              AND i.tenant = chain.tenant AND i.replica = chain.replica AND i.seq = tip.length + chain.n;
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

DROP TRIGGER audit_records_link ON audit_records;
DROP FUNCTION audit_records_link();

CREATE TRIGGER audit_records_link AFTER INSERT ON audit_records
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION audit_records_link_statement();

CREATE FUNCTION audit_records_second_genesis() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF EXISTS (SELECT FROM audit_chains WHERE tenant = NEW.tenant AND replica = NEW.replica) THEN
        RAISE EXCEPTION 'audit chain %/% does not link at seq %', NEW.tenant, NEW.replica, NEW.seq USING ERRCODE = 'GA001';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER audit_records_genesis BEFORE INSERT ON audit_records
    FOR EACH ROW WHEN (NEW.seq = 1) EXECUTE FUNCTION audit_records_second_genesis();
