using System.Security.Cryptography;

namespace Gateway.Connectors.Vault;

/// <summary>
/// Refuses to start when one secret doubles as another: the data-encryption key, the decision-signing
/// key and the gateway service key must all differ (compared in constant time; messages name roles only).
/// </summary>
public static class KeySeparationCheck
{
    /// <summary>Throws <see cref="InvalidOperationException"/> when any two of the named keys are equal or a key is empty.</summary>
    public static void Ensure(params IReadOnlyList<(string Role, ReadOnlyMemory<byte> Key)> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var errors = new List<string>();
        foreach (var (role, key) in keys)
        {
            if (key.IsEmpty)
            {
                errors.Add($"{role} is empty.");
            }
        }

        for (var i = 0; i < keys.Count; i++)
        {
            for (var j = i + 1; j < keys.Count; j++)
            {
                // FixedTimeEquals is constant-time for equal lengths and false for different lengths.
                if (CryptographicOperations.FixedTimeEquals(keys[i].Key.Span, keys[j].Key.Span))
                {
                    errors.Add($"{keys[i].Role} and {keys[j].Role} are the same secret; each must be generated separately.");
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new InvalidOperationException("Key separation check failed: " + string.Join(" ", errors));
        }
    }

    /// <summary>
    /// Every data-encryption key of <paramref name="ring"/>, the retired ones too (a retired key still decrypts), against the
    /// decision-signing key and the gateway service key.
    /// </summary>
    public static void Ensure(EncryptionKeyRing ring, ReadOnlyMemory<byte> decisionSigningKey, ReadOnlyMemory<byte> serviceKey)
    {
        ArgumentNullException.ThrowIfNull(ring);
        var keys = new List<(string Role, ReadOnlyMemory<byte> Key)> { ("the decision signing key", decisionSigningKey), ("the gateway service key", serviceKey) };
        foreach (var key in ring.Keys)
        {
            keys.Add((ReferenceEquals(key, ring.Active) ? "DATA_ENCRYPTION_KEY" : $"the retired data key '{key.KeyId}'", key.Key.ToArray()));
        }

        Ensure(keys);
    }

    /// <summary>The usual three: data-encryption key, decision-signing key, gateway service key.</summary>
    public static void Ensure(DataEncryptionKey dataKey, ReadOnlyMemory<byte> decisionSigningKey, ReadOnlyMemory<byte> serviceKey)
    {
        ArgumentNullException.ThrowIfNull(dataKey);
        Ensure(("DATA_ENCRYPTION_KEY", dataKey.Key.ToArray()), ("the decision signing key", decisionSigningKey), ("the gateway service key", serviceKey));
    }
}
