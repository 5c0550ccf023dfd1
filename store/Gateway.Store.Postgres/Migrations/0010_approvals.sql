-- 0010: approval requests, their votes, their one outcome, and the single use of their warrants.
-- Every race is decided by the database: the outcome by a conditional UPDATE (first writer wins),
-- a warrant's use by the primary key of warrant_uses (INSERT ... ON CONFLICT DO NOTHING).

CREATE TABLE approvals (
    tenant              text        NOT NULL,
    id                  text        NOT NULL,
    listed              bigint      GENERATED ALWAYS AS IDENTITY,
    agent               text        NOT NULL,
    tool                text        NOT NULL,
    intent_digest       text        NOT NULL,
    policy_digest       text        NOT NULL,
    gate_id             text,
    approvers           text[]      NOT NULL,
    approvals_required  integer     NOT NULL CHECK (approvals_required >= 1),
    created_at          timestamptz NOT NULL,
    expires_at          timestamptz NOT NULL,
    warrant_ttl_seconds bigint      NOT NULL,
    explanation         text,
    outcome_status      text,
    outcome_at          timestamptz,
    outcome_by          text,
    PRIMARY KEY (tenant, id),
    CHECK ((outcome_status IS NULL) = (outcome_at IS NULL))
);

CREATE INDEX approvals_tenant_listed ON approvals (tenant, listed);

CREATE TABLE approval_votes (
    tenant      text        NOT NULL,
    approval_id text        NOT NULL,
    person      text        NOT NULL,
    issued_by   text        NOT NULL,
    voted_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, approval_id, person, issued_by),
    FOREIGN KEY (tenant, approval_id) REFERENCES approvals (tenant, id) ON DELETE CASCADE
);

-- One row per used warrant (a warrant is named by its approval): the primary key is the single use.
CREATE TABLE warrant_uses (
    tenant      text        NOT NULL,
    approval_id text        NOT NULL,
    used_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, approval_id)
);

ALTER TABLE approvals ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON approvals
    USING (tenant = current_setting('gamut.tenant', true))
    WITH CHECK (tenant = current_setting('gamut.tenant', true));

ALTER TABLE approval_votes ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON approval_votes
    USING (tenant = current_setting('gamut.tenant', true))
    WITH CHECK (tenant = current_setting('gamut.tenant', true));

ALTER TABLE warrant_uses ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON warrant_uses
    USING (tenant = current_setting('gamut.tenant', true))
    WITH CHECK (tenant = current_setting('gamut.tenant', true));

-- The outcome columns are the only ones the application may change, and only once (the UPDATE's WHERE).
GRANT SELECT, INSERT ON approvals TO gamut_app;
GRANT UPDATE (outcome_status, outcome_at, outcome_by) ON approvals TO gamut_app;
GRANT SELECT, INSERT ON approval_votes TO gamut_app;
GRANT SELECT, INSERT ON warrant_uses TO gamut_app;
