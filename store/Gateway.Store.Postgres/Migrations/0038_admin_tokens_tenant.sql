-- 0038: the admin tokens of one tenant, found by an index. The per-tenant token listing and the count of a tenant's live
-- tokens (Gateway:Admin:MaxLiveTokensPerTenant) filter admin_tokens on tenant; without this index each read every
-- token of every tenant.

CREATE INDEX admin_tokens_tenant ON admin_tokens (tenant);
