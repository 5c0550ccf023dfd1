-- 0015: records retention. The application role has no DELETE on the record tables; the retention job
-- calls records_retire (SECURITY DEFINER, owned by the schema owner, every tenant: row-level security does
-- not apply to the owner), which removes only what can never be needed again, older than p_before:
-- approvals past their horizon (expiry + warrant TTL: no warrant of theirs can still be presented) and
-- decided before p_before, with their votes (cascade); warrant uses whose approval is gone; and
-- notifications already delivered. Incidents themselves, pending and failed notifications stay.

CREATE FUNCTION records_retire(p_before timestamptz)
RETURNS TABLE (retired_approvals bigint, retired_warrant_uses bigint, retired_notifications bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM approvals a
    WHERE a.expires_at + make_interval(secs => a.warrant_ttl_seconds) < p_before
      AND (a.outcome_at IS NULL OR a.outcome_at < p_before);
    GET DIAGNOSTICS retired_approvals = ROW_COUNT;

    DELETE FROM warrant_uses w
    WHERE w.used_at < p_before
      AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.tenant = w.tenant AND a.id = w.approval_id);
    GET DIAGNOSTICS retired_warrant_uses = ROW_COUNT;

    DELETE FROM incident_outbox o
    WHERE o.state = 'delivered' AND o.delivered_at < p_before;
    GET DIAGNOSTICS retired_notifications = ROW_COUNT;

    RETURN NEXT;
END $$;

REVOKE ALL ON FUNCTION records_retire(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION records_retire(timestamptz) TO gamut_app;
