using Gateway.Audit;

namespace Gateway.Admin.Tokens;

// Revoking admin tokens: one by name and, transitively, what it minted (AdminTokenRecord.MintedBy).
public sealed partial class AdminTokenService
{
    /// <summary>
    /// Revokes the token named <paramref name="name"/> in <paramref name="tenant"/> and every token it minted, transitively
    /// (<see cref="RevokeWithMintedAsync"/>); false when there is none, or when it lies outside the tenant
    /// <paramref name="caller"/> is confined to (which is not told apart from none).
    /// </summary>
    public async ValueTask<bool> RevokeAsync(string name, string? tenant, AdminPrincipal caller, CancellationToken cancellationToken = default) =>
        await RevokeWithMintedAsync(name, tenant, caller, cascade: true, cancellationToken) is not null;

    /// <summary>
    /// Revokes the token named <paramref name="name"/> in <paramref name="tenant"/> (names are per tenant; null: the
    /// operator's tokens, or for a caller confined to a tenant its own) and, with <paramref name="cascade"/>, every live token
    /// it minted, transitively, found by <see cref="AdminTokenRecord.MintedBy"/> (tokens issued before that was kept are
    /// not found). Null when there is no such token, or when it lies outside the tenant <paramref name="caller"/> is
    /// confined to (which is not told apart from none); else the tokens this call revoked, the named one first when it was live.
    /// </summary>
    public async ValueTask<IReadOnlyList<AdminTokenRecord>?> RevokeWithMintedAsync(string name, string? tenant, AdminPrincipal caller, bool cascade, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        tenant ??= caller.Tenant;
        if (!Identifiers.IsValidName(name) || (tenant is not null && !Identifiers.IsValidTenant(tenant)))
        {
            return null;
        }

        string? hash;
        AdminTokenRecord? record;
        if (name == BootstrapName && tenant is null && _bootstrapHash is not null)
        {
            hash = Convert.ToHexStringLower(_bootstrapHash);
            record = await _store.GetAsync(hash, cancellationToken) ?? new AdminTokenRecord { Name = BootstrapName, Roles = [AdminRoles.Admin], CreatedAt = _time.GetUtcNow() };
        }
        else
        {
            var found = await FindAsync(tenant, name, cancellationToken);
            hash = found?.Hash;
            record = found?.Record;
        }

        if (hash is null || record is null || (caller.Tenant is not null && !string.Equals(record.Tenant, caller.Tenant, StringComparison.Ordinal)))
        {
            return null;
        }

        var revoked = new List<AdminTokenRecord>();
        await RevokeOneAsync(hash, record, caller, revoked, cancellationToken);
        if (cascade)
        {
            await RevokeMintedAsync(record, caller, revoked, cancellationToken);
        }

        return revoked;
    }

    // Every live token the minter minted, and theirs in turn. A tenant-confined token mints in its own tenant only, and what
    // it mints inherits a minter; what an operator token mints does not: so one name never finds another scope's tokens, and
    // a tenant's token is looked for among its tenant's tokens only (an operator token's among every tenant's). The tokens
    // are listed again after each pass that revoked one: a token minted during a pass, after its listing, by a minter that
    // pass then revoked is found by the next (one stored after that listing finds its issuer revoked, IssueAsync).
    private async ValueTask RevokeMintedAsync(AdminTokenRecord minter, AdminPrincipal caller, List<AdminTokenRecord> revoked, CancellationToken cancellationToken)
    {
        var minters = new List<AdminTokenRecord> { minter };
        int before;
        do
        {
            before = minters.Count;
            var all = minter.Tenant is { } tenant ? await _store.ListTenantAsync(tenant, cancellationToken) : await _store.ListAsync(cancellationToken);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < minters.Count; i++)
            {
                var parent = minters[i];
                foreach (var child in all.Where(c => !c.Revoked && IsMintedBy(c, parent) && seen.Add(AdminTokenNames.Scoped(c.Tenant, c.Name))))
                {
                    if (await FindAsync(child.Tenant, child.Name, cancellationToken) is { Record: { Revoked: false } current } found && IsMintedBy(current, parent))
                    {
                        await RevokeOneAsync(found.Hash, current, caller, revoked, cancellationToken);
                        minters.Add(current);
                    }
                }
            }
        }
        while (minters.Count > before);
    }

    // Whether the token the principal authenticated with is now revoked (a principal no stored token names is not).
    private async ValueTask<bool> IsRevokedAsync(AdminPrincipal principal, CancellationToken cancellationToken)
    {
        if (principal.Name == BootstrapName && principal.Tenant is null && _bootstrapHash is not null)
        {
            return await _store.GetAsync(Convert.ToHexStringLower(_bootstrapHash), cancellationToken) is { Revoked: true };
        }

        return await FindAsync(principal.Tenant, principal.Name, cancellationToken) is { Record.Revoked: true };
    }

    private static bool IsMintedBy(AdminTokenRecord child, AdminTokenRecord parent) =>
        string.Equals(child.MintedBy, parent.Name, StringComparison.Ordinal)
        && (parent.Tenant is null
            ? child.InheritedMinter is null
            : child.InheritedMinter is not null && string.Equals(child.Tenant, parent.Tenant, StringComparison.Ordinal));

    private async ValueTask RevokeOneAsync(string hash, AdminTokenRecord record, AdminPrincipal caller, List<AdminTokenRecord> revoked, CancellationToken cancellationToken)
    {
        if (record.Revoked)
        {
            return;
        }

        var now = record with { Revoked = true, RevokedAt = _time.GetUtcNow() };
        await _store.PutAsync(hash, now, bindName: false, cancellationToken);
        AdminLog.AdminTokenRevoked(_logger, record.Name, record.Tenant ?? "-", caller.Name);
        revoked.Add(now);
    }
}
