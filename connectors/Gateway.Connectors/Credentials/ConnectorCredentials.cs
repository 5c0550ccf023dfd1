using System.Runtime.CompilerServices;
using Gateway.Policy;

namespace Gateway.Connectors.Credentials;

/// <summary>How a catalog entry's credential is referenced in the vault and written on the wire.</summary>
public static class ConnectorCredentials
{
    /// <summary>The resolver's reference for the entry's credential (<c>vault:</c>, <c>env:</c>, <c>file:</c>), or null when it has none.</summary>
    public static string? ReferenceOf(CatalogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return ReferenceOf(entry.Credential);
    }

    /// <summary>The resolver's reference for a bundle's secret reference (a <c>file:</c> one by its resolved path), or null for none.</summary>
    public static string? ReferenceOf(SecretReference? credential) =>
        credential is { Source: not SecretSource.None }
            ? References.GetValue(credential, static c => c.Source == SecretSource.File ? "file:" + (c.ResolvedPath ?? c.Name) : c.ToString())
            : null;

    // Each (immutable) reference's string, made once and kept as long as the reference is.
    private static readonly ConditionalWeakTable<SecretReference, string> References = new();

    /// <summary>The header value carrying <paramref name="secret"/> under the entry's auth scheme (<c>Bearer …</c> or the raw value).</summary>
    public static string HeaderValue(ConnectorAuth auth, string secret)
    {
        ArgumentNullException.ThrowIfNull(auth);
        return auth.IsBearer ? "Bearer " + secret : secret;
    }

    /// <summary>The header value carrying <paramref name="secret"/> under the entry's auth scheme, the bearer form made once per value.</summary>
    public static string HeaderValue(ConnectorAuth auth, SecretValue secret)
    {
        ArgumentNullException.ThrowIfNull(auth);
        ArgumentNullException.ThrowIfNull(secret);
        return auth.IsBearer ? secret.BearerHeaderValue : secret.Value;
    }
}
