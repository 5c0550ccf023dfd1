using System.Buffers.Text;
using System.Security.Cryptography;
using Gateway.Connectors.Vault;
using Gateway.Store;

namespace Gateway.Oversight.Delegations;

/// <summary>
/// A child's secret: 32 bytes from the CSPRNG, base64url (43 characters), returned once to the parent and stored only in
/// the vault's AES-256-GCM envelope, bound to the tenant and the child's id (moved to another child, it fails to open).
/// </summary>
public static class DelegationSecrets
{
    /// <summary>A fresh secret and its envelope.</summary>
    public static (string Secret, string Envelope) Issue(EncryptionKeyRing ring, string tenant, string child)
    {
        Span<byte> random = stackalloc byte[32];
        RandomNumberGenerator.Fill(random);
        var secret = Base64Url.EncodeToString(random);
        CryptographicOperations.ZeroMemory(random);
        return (secret, CredentialEnvelope.Encrypt(ring, secret, Context(tenant, child)));
    }

    /// <summary>
    /// The secret in <paramref name="record"/>; null when it has none (a key child) or its envelope does not open (tampered,
    /// or a key no longer in the ring).
    /// </summary>
    public static string? Open(EncryptionKeyRing ring, DelegationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.SecretEnvelope is null)
        {
            return null;
        }

        try
        {
            return CredentialEnvelope.DecryptString(ring, record.SecretEnvelope, Context(record.Tenant, record.Id));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>The envelope's associated data: it opens only for its own tenant and child.</summary>
    public static string Context(string tenant, string child) => "delegation:" + StoreKeys.LengthPrefixed(tenant) + ":" + StoreKeys.LengthPrefixed(child);
}
