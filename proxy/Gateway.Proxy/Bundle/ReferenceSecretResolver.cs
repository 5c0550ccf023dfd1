using Gateway.Connectors.Credentials;
using Gateway.Policy;

namespace Gateway.Proxy.Bundle;

/// <summary>
/// Resolves <c>env:</c> and <c>file:</c> references directly (file contents trimmed of surrounding
/// white space, as Kubernetes secret mounts often end in a newline; a file of no length or over 64 KiB names nothing), and <c>vault:</c> through the
/// credential vault. A reference that names nothing (unset variable, missing file, a vault entry not
/// stored, revoked or undecryptable) resolves to null: that agent is refused, the gateway runs on.
/// </summary>
internal sealed class ReferenceSecretResolver : IAgentSecretResolver
{
    /// <summary>The largest secret file read (an agent's secret is a few dozen bytes).</summary>
    public const int MaxFileBytes = 64 * 1024;

    private readonly Func<string, string, CancellationToken, ValueTask<string?>>? _vault;

    public ReferenceSecretResolver(Func<string, string, CancellationToken, ValueTask<string?>>? vault = null) => _vault = vault;

    public async ValueTask<string?> ResolveAsync(string tenant, SecretReference reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        switch (reference.Source)
        {
            case SecretSource.Environment:
                return Environment.GetEnvironmentVariable(reference.Name);
            case SecretSource.File:
                // Only a file with something in it, and not much: a pipe, a device or /proc (none of which has a length) would
                // block or never end the read, which holds the policy reload.
                var file = new FileInfo(reference.ResolvedPath ?? reference.Name);
                return file.Exists && file.Length is > 0 and <= MaxFileBytes
                    ? (await File.ReadAllTextAsync(file.FullName, cancellationToken).ConfigureAwait(false)).Trim()
                    : null;
            case SecretSource.Vault when _vault is not null:
                try
                {
                    return await _vault(tenant, reference.Name, cancellationToken).ConfigureAwait(false);
                }
                catch (CredentialUnavailableException)
                {
                    // Not stored, revoked or undecryptable: like an unset env: variable, it names nothing.
                    return null;
                }
            default:
                return null;
        }
    }
}
