namespace Gateway.Connectors.Vault;

/// <summary>
/// The data-encryption keys: one active key that encrypts, and retired keys that still decrypt
/// envelopes written before a rotation (re-encrypt them with <see cref="CredentialVault.ReencryptAsync"/>).
/// </summary>
public sealed class EncryptionKeyRing
{
    private readonly Dictionary<string, DataEncryptionKey> _keys = new(StringComparer.Ordinal);

    public EncryptionKeyRing(DataEncryptionKey active, IEnumerable<DataEncryptionKey>? retired = null)
    {
        ArgumentNullException.ThrowIfNull(active);
        Active = active;
        _keys[active.KeyId] = active;
        foreach (var key in retired ?? [])
        {
            if (!_keys.TryAdd(key.KeyId, key) && !ReferenceEquals(_keys[key.KeyId], key))
            {
                throw new ArgumentException("Two data encryption keys share one key id.", nameof(retired));
            }
        }
    }

    /// <summary>The key that encrypts new envelopes.</summary>
    public DataEncryptionKey Active { get; }

    /// <summary>The active key's id.</summary>
    public string ActiveKeyId => Active.KeyId;

    /// <summary>Every key id that can decrypt.</summary>
    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    /// <summary>Every key that can decrypt, the active one among them.</summary>
    internal IEnumerable<DataEncryptionKey> Keys => _keys.Values;

    /// <summary>
    /// Reads <c>DATA_ENCRYPTION_KEY</c> (required) and <c>DATA_ENCRYPTION_KEYS_RETIRED</c> (optional,
    /// comma-separated). Throws <see cref="FormatException"/> or <see cref="InvalidOperationException"/> with a clear message.
    /// </summary>
    public static EncryptionKeyRing FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        var active = getVariable(DataEncryptionKey.EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(active))
        {
            throw new InvalidOperationException($"{DataEncryptionKey.EnvironmentVariable} is not set; the credential vault needs a 32-byte key (openssl rand -base64 32).");
        }

        var retired = (getVariable(DataEncryptionKey.RetiredEnvironmentVariable) ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(DataEncryptionKey.Parse);
        return new EncryptionKeyRing(DataEncryptionKey.Parse(active), retired);
    }

    internal bool TryGet(string keyId, out DataEncryptionKey key) => _keys.TryGetValue(keyId, out key!);
}
