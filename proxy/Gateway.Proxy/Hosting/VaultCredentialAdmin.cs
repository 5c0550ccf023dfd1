using Gateway.Connectors.Vault;
using Gateway.Oversight.Credentials;
using Gateway.Oversight.Delegations;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.People.Links;
using CredentialInfo = Gateway.Oversight.Credentials.CredentialInfo;
using VaultCredentialInfo = Gateway.Connectors.Vault.CredentialInfo;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// The admin API's credential operations, served by the connectors' encrypted vault. No value is ever returned. Its
/// re-encryption walks every sealed record kind of the tenant that outlives a data-key rotation (<see cref="ReencryptAsync"/>).
/// </summary>
internal sealed class VaultCredentialAdmin(CredentialVault vault, EncryptionKeyRing ring, LinkedAccounts links, UpstreamAuthorization upstream, DelegationStore delegations, PolicyProvider policy)
    : ICredentialAdmin
{
    public async ValueTask<CredentialInfo> PutAsync(string tenant, string name, string value, CancellationToken cancellationToken = default) =>
        Map(await vault.PutAsync(tenant, name, value, cancellationToken).ConfigureAwait(false));

    public async ValueTask<CredentialInfo?> RotateAsync(string tenant, string name, string newValue, CancellationToken cancellationToken = default)
    {
        try
        {
            return Map(await vault.RotateAsync(tenant, name, newValue, cancellationToken).ConfigureAwait(false));
        }
        catch (CredentialNotFoundException)
        {
            return null;
        }
    }

    public ValueTask<bool> RevokeAsync(string tenant, string name, CancellationToken cancellationToken = default) =>
        vault.RevokeAsync(tenant, name, cancellationToken);

    /// <summary>
    /// Seals again under the active key, kind by kind: the vault's credentials, the people's linked accounts, the gateway's
    /// dynamic client registrations at upstream authorization servers and the live delegated children's secrets (of the
    /// agents in the tenant's loaded register).
    /// </summary>
    public async ValueTask<SealedReencryption> ReencryptAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var credentials = await ReencryptCredentialsAsync(tenant, cancellationToken).ConfigureAwait(false);

        var linked = new SealedKindTally("linked_accounts", ring);
        await links.ResealAsync(tenant, linked, cancellationToken).ConfigureAwait(false);

        // The gateway's dynamic registrations: one left under a removed key is registered anew, unlinking its people.
        var clients = new SealedKindTally("linked_clients", ring);
        await upstream.ResealRegistrationsAsync(tenant, clients, cancellationToken).ConfigureAwait(false);

        var children = new SealedKindTally("delegation_secrets", ring);
        IEnumerable<string> agents = policy.Current is { } snapshot && snapshot.Set.TryGetTenant(tenant, out var tenantPolicy)
            ? [.. tenantPolicy!.Register.Agents.Select(static a => a.Id)]
            : [];
        await delegations.ResealSecretsAsync(tenant, agents, children, cancellationToken).ConfigureAwait(false);

        return new SealedReencryption([credentials, linked.ToResult(), clients.ToResult(), children.ToResult()]);
    }

    public async ValueTask<IReadOnlyList<CredentialInfo>> ListAsync(string tenant, CancellationToken cancellationToken = default) =>
        [.. (await vault.ListAsync(tenant, cancellationToken).ConfigureAwait(false)).Select(Map)];

    // The vault counts what it sealed again; what was already current, and what still names another key (did not open), come from its listing.
    private async ValueTask<SealedKindReencryption> ReencryptCredentialsAsync(string tenant, CancellationToken cancellationToken)
    {
        var before = (await vault.ListAsync(tenant, cancellationToken).ConfigureAwait(false)).Count(c => c.KeyId == ring.ActiveKeyId);
        var reencrypted = await vault.ReencryptAsync(tenant, cancellationToken).ConfigureAwait(false);
        var left = (await vault.ListAsync(tenant, cancellationToken).ConfigureAwait(false)).Where(c => c.KeyId is { } id && id != ring.ActiveKeyId).ToList();
        return new SealedKindReencryption("credentials", reencrypted, before, left.Count, 0,
            [.. left.Select(static c => c.KeyId!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
    }

    private static CredentialInfo Map(VaultCredentialInfo info) => new()
    {
        Name = info.Name,
        Version = info.Version,
        CreatedAt = info.CreatedAt,
        UpdatedAt = info.UpdatedAt,
        Revoked = !info.IsActive,
    };
}
