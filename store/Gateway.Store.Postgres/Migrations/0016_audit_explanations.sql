-- 0016: audit explanations stored once. A record refers to the policy's explanation by explanation_digest (the
-- SHA-256 of its canonical JSON, which the record's hash covers); the explanation itself is one row per tenant and
-- digest, inserted ON CONFLICT DO NOTHING in the transaction of the first group that refers to it. Tenant-scoped
-- and append-only like audit_records; retention (audit_retire) retires records only and keeps explanations.

CREATE TABLE audit_explanations (
    tenant      text NOT NULL,
    digest      text NOT NULL,
    explanation text NOT NULL,
    PRIMARY KEY (tenant, digest)
);

CREATE TRIGGER audit_explanations_immutable BEFORE UPDATE OR DELETE ON audit_explanations
    FOR EACH ROW EXECUTE FUNCTION audit_records_immutable();
CREATE TRIGGER audit_explanations_no_truncate BEFORE TRUNCATE ON audit_explanations
    FOR EACH STATEMENT EXECUTE FUNCTION audit_records_immutable();

ALTER TABLE audit_explanations ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_explanations
    USING (tenant = current_setting('gamut.tenant', true))
    WITH CHECK (tenant = current_setting('gamut.tenant', true));

GRANT SELECT, INSERT ON audit_explanations TO gamut_app;
