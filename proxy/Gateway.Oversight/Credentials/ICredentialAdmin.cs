namespace Gateway.Oversight.Credentials;

/// <summary>
/// The admin API's view of the credential vault. The host adapts its vault to this interface;
/// values go in and never come out (listing returns metadata only).
/// </summary>
public interface ICredentialAdmin
{
    /// <summary>Creates or replaces the credential.</summary>
    ValueTask<CredentialInfo> PutAsync(string tenant, string name, string value, CancellationToken cancellationToken = default);

    /// <summary>Replaces the value of an existing credential with a new version; null when there is none.</summary>
    ValueTask<CredentialInfo?> RotateAsync(string tenant, string name, string newValue, CancellationToken cancellationToken = default);

    /// <summary>Revokes the credential; false when there is none.</summary>
    ValueTask<bool> RevokeAsync(string tenant, string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Seals again under the active data key every sealed record of the tenant (credentials and the host's other kinds) that
    /// is under a retired one; what it did, kind by kind.
    /// </summary>
    ValueTask<SealedReencryption> ReencryptAsync(string tenant, CancellationToken cancellationToken = default);

    /// <summary>The tenant's credentials, without values.</summary>
    ValueTask<IReadOnlyList<CredentialInfo>> ListAsync(string tenant, CancellationToken cancellationToken = default);
}
