using Gateway.Connectors.Vault;
using Gateway.Oversight.Credentials;
using CredentialInfo = Gateway.Oversight.Credentials.CredentialInfo;
using VaultCredentialInfo = Gateway.Connectors.Vault.CredentialInfo;

namespace Gateway.Proxy.Hosting;

/// <summary>The admin API's credential operations, served by the connectors' encrypted vault. No value is ever returned.</summary>
internal sealed class VaultCredentialAdmin : ICredentialAdmin
{
    private readonly CredentialVault _vault;

    public VaultCredentialAdmin(CredentialVault vault) => _vault = vault;

    public async ValueTask<CredentialInfo> PutAsync(string tenant, string name, string value, CancellationToken cancellationToken = default) =>
        Map(await _vault.PutAsync(tenant, name, value, cancellationToken).ConfigureAwait(false));

    public async ValueTask<CredentialInfo?> RotateAsync(string tenant, string name, string newValue, CancellationToken cancellationToken = default)
    {
        try
        {
            return Map(await _vault.RotateAsync(tenant, name, newValue, cancellationToken).ConfigureAwait(false));
        }
        catch (CredentialNotFoundException)
        {
            return null;
        }
    }

    public ValueTask<bool> RevokeAsync(string tenant, string name, CancellationToken cancellationToken = default) =>
        _vault.RevokeAsync(tenant, name, cancellationToken);

    public ValueTask<int> ReencryptAsync(string tenant, CancellationToken cancellationToken = default) =>
        _vault.ReencryptAsync(tenant, cancellationToken);

    public async ValueTask<IReadOnlyList<CredentialInfo>> ListAsync(string tenant, CancellationToken cancellationToken = default) =>
        [.. (await _vault.ListAsync(tenant, cancellationToken).ConfigureAwait(false)).Select(Map)];

    private static CredentialInfo Map(VaultCredentialInfo info) => new()
    {
        Name = info.Name,
        Version = info.Version,
        CreatedAt = info.CreatedAt,
        UpdatedAt = info.UpdatedAt,
        Revoked = !info.IsActive,
    };
}
