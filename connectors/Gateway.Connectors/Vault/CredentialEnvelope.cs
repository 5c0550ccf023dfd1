using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Connectors.Vault;

/// <summary>
/// The versioned AES-256-GCM envelope: <c>gwenc:v1:&lt;keyId&gt;:&lt;base64url(iv | ciphertext | tag)&gt;</c>
/// with a fresh random 12-byte IV per value and the 16-byte tag kept. The associated data is the
/// envelope header plus a caller context (for credentials: tenant and name), so an envelope moved to
/// another tenant or name, re-labelled with another key id, or altered in any byte fails to decrypt.
/// </summary>
public static class CredentialEnvelope
{
    /// <summary>Every envelope starts with this.</summary>
    public const string Prefix = "gwenc:v1:";

    private const int IvSize = 12;
    private const int TagSize = 16;

    /// <summary>The associated-data context binding a credential to its tenant and name (length-prefixed, so unambiguous).</summary>
    public static string CredentialContext(string tenant, string name)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(name);
        return $"credential:{tenant.Length}:{tenant}:{name.Length}:{name}";
    }

    /// <summary>Encrypts <paramref name="plaintext"/> under the ring's active key, bound to <paramref name="context"/>.</summary>
    public static string Encrypt(EncryptionKeyRing ring, ReadOnlySpan<byte> plaintext, string context)
    {
        ArgumentNullException.ThrowIfNull(ring);
        var key = ring.Active;
        var payload = new byte[IvSize + plaintext.Length + TagSize];
        var iv = payload.AsSpan(0, IvSize);
        RandomNumberGenerator.Fill(iv);
        using (var aes = new AesGcm(key.Key, TagSize))
        {
            aes.Encrypt(iv, plaintext, payload.AsSpan(IvSize, plaintext.Length), payload.AsSpan(IvSize + plaintext.Length), AssociatedData(key.KeyId, context));
        }

        var text = Prefix + key.KeyId + ":" + Base64Url.EncodeToString(payload);
        CryptographicOperations.ZeroMemory(payload);
        return text;
    }

    /// <summary>Encrypts a UTF-8 string.</summary>
    public static string Encrypt(EncryptionKeyRing ring, string plaintext, string context)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var bytes = Encoding.UTF8.GetBytes(plaintext);
        try
        {
            return Encrypt(ring, bytes, context);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>
    /// Decrypts; throws <see cref="CryptographicException"/> ("envelope rejected") when the envelope is
    /// malformed, names an unknown key, or fails authentication. The message never carries envelope bytes.
    /// </summary>
    public static byte[] Decrypt(EncryptionKeyRing ring, string envelope, string context)
    {
        ArgumentNullException.ThrowIfNull(ring);
        if (!TryParse(envelope, out var keyId, out var payload) || payload.Length < IvSize + TagSize)
        {
            throw new CryptographicException("Credential envelope rejected: malformed.");
        }

        if (!ring.TryGet(keyId, out var key))
        {
            throw new CryptographicException("Credential envelope rejected: its key id is not in the key ring.");
        }

        var plaintext = new byte[payload.Length - IvSize - TagSize];
        try
        {
            using var aes = new AesGcm(key.Key, TagSize);
            aes.Decrypt(payload.AsSpan(0, IvSize), payload.AsSpan(IvSize, plaintext.Length), payload.AsSpan(IvSize + plaintext.Length), plaintext, AssociatedData(keyId, context));
            return plaintext;
        }
        catch (CryptographicException)
        {
            throw new CryptographicException("Credential envelope rejected: authentication failed (tampered, or bound to another tenant or name).");
        }
    }

    /// <summary>
    /// The envelope opened and sealed again under the ring's active key, bound to the same context; throws as
    /// <see cref="Decrypt"/> does. The plaintext is wiped before this returns.
    /// </summary>
    public static string Reseal(EncryptionKeyRing ring, string envelope, string context)
    {
        var plaintext = Decrypt(ring, envelope, context);
        try
        {
            return Encrypt(ring, plaintext, context);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Decrypts to a UTF-8 string.</summary>
    public static string DecryptString(EncryptionKeyRing ring, string envelope, string context)
    {
        var bytes = Decrypt(ring, envelope, context);
        try
        {
            return Encoding.UTF8.GetString(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>The key id an envelope names, or null when it is not an envelope.</summary>
    public static string? GetKeyId(string envelope) => TryParse(envelope, out var keyId, out _) ? keyId : null;

    private static bool TryParse(string envelope, out string keyId, out byte[] payload)
    {
        keyId = string.Empty;
        payload = [];
        if (envelope is null || !envelope.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = envelope.AsSpan(Prefix.Length);
        var colon = rest.IndexOf(':');
        if (colon <= 0)
        {
            return false;
        }

        keyId = rest[..colon].ToString();
        if (!DataEncryptionKey.IsValidKeyId(keyId))
        {
            return false;
        }

        var data = rest[(colon + 1)..];
        if (!Base64Url.IsValid(data, out var decodedLength))
        {
            return false;
        }

        payload = new byte[decodedLength];
        return Base64Url.TryDecodeFromChars(data, payload, out var written) && written == decodedLength;
    }

    private static byte[] AssociatedData(string keyId, string context) => Encoding.UTF8.GetBytes(Prefix + keyId + "\n" + context);
}
