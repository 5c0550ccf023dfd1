-- 0012: the vault's credential records. The envelope is ciphertext (envelope encryption happens in
-- the gateway, keys never reach the database); a revoked credential keeps its row with no envelope.

CREATE TABLE credentials (
    tenant     text        NOT NULL,
    name       text        NOT NULL,
    version    integer     NOT NULL CHECK (version >= 1),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    revoked_at timestamptz,
    envelope   text,
    PRIMARY KEY (tenant, name)
);

ALTER TABLE credentials ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON credentials
    USING (tenant = current_setting('gamut.tenant', true))
    WITH CHECK (tenant = current_setting('gamut.tenant', true));

GRANT SELECT, INSERT, UPDATE ON credentials TO gamut_app;
