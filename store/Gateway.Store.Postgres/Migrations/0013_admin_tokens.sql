-- 0013: admin tokens, by the SHA-256 of the token (never the token), and each name bound to its
-- latest token. Authentication looks a hash up before any tenant is known, so these rows are not
-- tenant-scoped by row-level security; the tenant a token is confined to is a column the gateway checks.

CREATE TABLE admin_tokens (
    hash       text        PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
    name       text        NOT NULL,
    roles      text[]      NOT NULL,
    tenant     text,
    person     text,
    issued_by  text,
    created_at timestamptz NOT NULL,
    revoked    boolean     NOT NULL DEFAULT false,
    revoked_at timestamptz
);

CREATE TABLE admin_token_names (
    name text PRIMARY KEY,
    hash text NOT NULL REFERENCES admin_tokens (hash) DEFERRABLE INITIALLY DEFERRED
);

GRANT SELECT, INSERT, UPDATE ON admin_tokens TO gamut_app;
GRANT SELECT, INSERT, UPDATE ON admin_token_names TO gamut_app;
