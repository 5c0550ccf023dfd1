using System.Security.Cryptography;
using System.Text;
using Gateway.Policy.Tokens;

namespace Gateway.Connectors.Vault;

/// <summary>
/// One 256-bit AES key with its key id. Parsed from <c>DATA_ENCRYPTION_KEY</c>: base64 of 32 bytes or
/// hex of 32 bytes (64 hex digits); anything else is refused with a message that never echoes the input.
/// The key id is a short fingerprint (HMAC of a fixed label under the key) unless given explicitly.
/// </summary>
public sealed class DataEncryptionKey
{
    /// <summary>The environment variable holding the active key.</summary>
    public const string EnvironmentVariable = "DATA_ENCRYPTION_KEY";

    /// <summary>Comma-separated retired keys (same formats) that still decrypt older envelopes.</summary>
    public const string RetiredEnvironmentVariable = "DATA_ENCRYPTION_KEYS_RETIRED";

    /// <summary>Key size in bytes (AES-256).</summary>
    public const int KeySizeInBytes = 32;

    private readonly byte[] _key;

    private DataEncryptionKey(byte[] key, string keyId)
    {
        _key = key;
        KeyId = keyId;
    }

    /// <summary>The id written into every envelope this key encrypts.</summary>
    public string KeyId { get; }

    internal ReadOnlySpan<byte> Key => _key;

    /// <summary>A key from raw bytes (exactly 32).</summary>
    public static DataEncryptionKey FromBytes(ReadOnlySpan<byte> key, string? keyId = null)
    {
        if (key.Length != KeySizeInBytes)
        {
            throw new ArgumentException("A data encryption key is exactly 32 bytes.", nameof(key));
        }

        if (keyId is not null && !IsValidKeyId(keyId))
        {
            throw new ArgumentException("A key id is 1-32 characters of [A-Za-z0-9_-].", nameof(keyId));
        }

        var bytes = key.ToArray();
        return new DataEncryptionKey(bytes, keyId ?? Fingerprint(bytes));
    }

    /// <summary>A fresh random key (tests, first-run tooling).</summary>
    public static DataEncryptionKey Generate(string? keyId = null) => FromBytes(RandomNumberGenerator.GetBytes(KeySizeInBytes), keyId);

    /// <summary>
    /// Parses base64 (standard or URL-safe, padded or not) or hex of exactly 32 bytes, optionally
    /// prefixed <c>&lt;keyId&gt;:</c> to name the key explicitly.
    /// </summary>
    /// <exception cref="FormatException">The text is not one of the accepted forms; the message says which forms are accepted.</exception>
    public static DataEncryptionKey Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new FormatException($"{EnvironmentVariable} is empty; it must be 32 random bytes, base64 (44 characters) or hex (64 characters). Generate one with: openssl rand -base64 32");
        }

        text = text.Trim();
        string? keyId = null;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0)
        {
            keyId = text[..colon];
            text = text[(colon + 1)..];
            if (!IsValidKeyId(keyId))
            {
                throw new FormatException($"{EnvironmentVariable}: the key id before ':' must be 1-32 characters of [A-Za-z0-9_-].");
            }
        }

        var bytes = TryHex(text) ?? Base64Text.TryDecode(text);
        if (bytes is null || bytes.Length != KeySizeInBytes)
        {
            var length = bytes?.Length;
            if (bytes is not null)
            {
                CryptographicOperations.ZeroMemory(bytes);
            }

            throw new FormatException(length is null
                ? $"{EnvironmentVariable} is neither base64 nor hex; it must be 32 random bytes, base64 (44 characters) or hex (64 characters)."
                : $"{EnvironmentVariable} decodes to {length} bytes; it must be exactly 32 bytes (AES-256), base64 (44 characters) or hex (64 characters).");
        }

        return new DataEncryptionKey(bytes, keyId ?? Fingerprint(bytes));
    }

    /// <summary>True when <paramref name="keyId"/> is a valid key id.</summary>
    public static bool IsValidKeyId(string? keyId) =>
        !string.IsNullOrEmpty(keyId) && keyId.Length <= 32 && keyId.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>Constant-time comparison of the key material with <paramref name="other"/>.</summary>
    public bool KeyEquals(ReadOnlySpan<byte> other) => CryptographicOperations.FixedTimeEquals(_key, other);

    /// <inheritdoc/>
    public override string ToString() => $"DataEncryptionKey({KeyId})";

    private static string Fingerprint(byte[] key)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, Encoding.ASCII.GetBytes("gateway data-encryption key id v1"), mac);
        return "k" + Convert.ToHexStringLower(mac[..6]);
    }

    private static byte[]? TryHex(string text)
    {
        if (text.Length != KeySizeInBytes * 2 || !text.All(char.IsAsciiHexDigit))
        {
            return null;
        }

        return Convert.FromHexString(text);
    }
}
