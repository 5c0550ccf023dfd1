using System.Security.Cryptography;
using Gateway.Connectors.Credentials;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Connectors.Vault;

/// <summary>
/// A tenant-scoped credential vault: values are encrypted with AES-256-GCM under the active data key,
/// bound to tenant and name, and persisted through an <see cref="ICredentialRecordStore"/>. The public
/// API stores, rotates, revokes and lists; no public member returns a value. Only the injection path
/// (inside this library) resolves a value.
/// </summary>
public sealed partial class CredentialVault
{
    /// <summary>Largest credential accepted, in characters.</summary>
    public const int MaxValueLength = 16 * 1024;

    /// <summary>How many times a write reads the record again when another write landed first.</summary>
    private const int MaxWriteAttempts = 16;

    private readonly ICredentialRecordStore _store;
    private readonly EncryptionKeyRing _ring;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public CredentialVault(ICredentialRecordStore store, EncryptionKeyRing ring, TimeProvider? timeProvider = null, ILogger<CredentialVault>? logger = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _ring = ring ?? throw new ArgumentNullException(nameof(ring));
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Raised after a credential changes (tenant, name) so caches can drop it.</summary>
    internal event Action<string, string>? Changed;

    /// <summary>
    /// Stores a credential: version 1 when new, otherwise the next version (a put over an existing or
    /// revoked credential is a rotation).
    /// </summary>
    public async ValueTask<CredentialInfo> PutAsync(string tenant, string name, string plaintext, CancellationToken cancellationToken = default)
    {
        Validate(tenant, name, plaintext);
        for (var attempt = 1; ; attempt++)
        {
            var existing = await _store.GetAsync(tenant, name, cancellationToken).ConfigureAwait(false);
            if (await WriteAsync(tenant, name, plaintext, existing, cancellationToken).ConfigureAwait(false) is { } written)
            {
                return written;
            }

            EnsureAnotherAttempt(attempt, tenant, name);
        }
    }

    /// <summary>Replaces an active credential's value with a new version; throws <see cref="CredentialNotFoundException"/> when there is none.</summary>
    public async ValueTask<CredentialInfo> RotateAsync(string tenant, string name, string newPlaintext, CancellationToken cancellationToken = default)
    {
        Validate(tenant, name, newPlaintext);
        for (var attempt = 1; ; attempt++)
        {
            var existing = await _store.GetAsync(tenant, name, cancellationToken).ConfigureAwait(false);
            if (existing is null || existing.RevokedAt is not null)
            {
                throw new CredentialNotFoundException($"Tenant '{tenant}' has no active credential '{name}'.");
            }

            if (await WriteAsync(tenant, name, newPlaintext, existing, cancellationToken).ConfigureAwait(false) is { } written)
            {
                return written;
            }

            EnsureAnotherAttempt(attempt, tenant, name);
        }
    }

    /// <summary>Revokes a credential: its envelope is deleted, its metadata kept. False when there was no active credential.</summary>
    public async ValueTask<bool> RevokeAsync(string tenant, string name, CancellationToken cancellationToken = default)
    {
        CredentialName.EnsureTenant(tenant, nameof(tenant));
        CredentialName.Ensure(name, nameof(name));
        for (var attempt = 1; ; attempt++)
        {
            var existing = await _store.GetAsync(tenant, name, cancellationToken).ConfigureAwait(false);
            if (existing is null || existing.RevokedAt is not null)
            {
                return false;
            }

            var now = _time.GetUtcNow();
            if (await _store.ReplaceAsync(tenant, existing, existing with { Envelope = null, RevokedAt = now, UpdatedAt = now }, cancellationToken).ConfigureAwait(false))
            {
                Changed?.Invoke(tenant, name);
                Log.Revoked(_logger, tenant, name, existing.Version);
                return true;
            }

            EnsureAnotherAttempt(attempt, tenant, name);
        }
    }

    /// <summary>The tenant's credentials: names, versions, timestamps and key ids, never values.</summary>
    public async ValueTask<IReadOnlyList<CredentialInfo>> ListAsync(string tenant, CancellationToken cancellationToken = default)
    {
        CredentialName.EnsureTenant(tenant, nameof(tenant));
        var records = await _store.ListAsync(tenant, cancellationToken).ConfigureAwait(false);
        return [.. records.Select(ToInfo)];
    }

    /// <summary>
    /// Re-encrypts every active credential of the tenant that is not under the active key (after a
    /// data-key rotation). Versions are unchanged. One that does not open is left as it is (its key id still listed).
    /// Returns how many were re-encrypted.
    /// </summary>
    public async ValueTask<int> ReencryptAsync(string tenant, CancellationToken cancellationToken = default)
    {
        CredentialName.EnsureTenant(tenant, nameof(tenant));
        var count = 0;
        foreach (var record in await _store.ListAsync(tenant, cancellationToken).ConfigureAwait(false))
        {
            if (record.Envelope is null || CredentialEnvelope.GetKeyId(record.Envelope) == _ring.ActiveKeyId)
            {
                continue;
            }

            string envelope;
            try
            {
                envelope = CredentialEnvelope.Reseal(_ring, record.Envelope, CredentialEnvelope.CredentialContext(tenant, record.Name));
            }
            catch (CryptographicException)
            {
                // Left as it is (never deleted): it still names its key in the listing, so the key is not dropped unseen.
                Log.DecryptFailed(_logger, tenant, record.Name, record.Version);
                continue;
            }

            // Only over the record as listed: a rotation or revocation made meanwhile is already current and stays.
            if (await _store.ReplaceAsync(tenant, record, record with { Envelope = envelope }, cancellationToken).ConfigureAwait(false))
            {
                count++;
            }
        }

        Log.Reencrypted(_logger, tenant, count, _ring.ActiveKeyId);
        return count;
    }

    /// <summary>The plaintext, for the injection path only. Throws <see cref="CredentialUnavailableException"/>.</summary>
    internal async ValueTask<SecretValue> ResolveAsync(string tenant, string name, CancellationToken cancellationToken = default)
    {
        var record = await _store.GetAsync(tenant, name, cancellationToken).ConfigureAwait(false);
        if (record?.Envelope is null)
        {
            throw new CredentialUnavailableException($"vault credential '{name}' is not set or revoked for tenant '{tenant}'.");
        }

        try
        {
            return new SecretValue(CredentialEnvelope.DecryptString(_ring, record.Envelope, CredentialEnvelope.CredentialContext(tenant, name)));
        }
        catch (CryptographicException ex)
        {
            Log.DecryptFailed(_logger, tenant, name, record.Version);
            throw new CredentialUnavailableException($"vault credential '{name}' of tenant '{tenant}' cannot be decrypted.", ex);
        }
    }

    private static void Validate(string tenant, string name, string plaintext)
    {
        CredentialName.EnsureTenant(tenant, nameof(tenant));
        CredentialName.Ensure(name, nameof(name));
        ArgumentNullException.ThrowIfNull(plaintext);
        if (plaintext.Length == 0 || plaintext.Length > MaxValueLength)
        {
            throw new ArgumentException($"A credential value is 1 to {MaxValueLength} characters.", nameof(plaintext));
        }
    }

    private static CredentialInfo ToInfo(CredentialRecord record) =>
        new(record.Name, record.Version, record.CreatedAt, record.UpdatedAt, record.RevokedAt, record.Envelope is null ? null : CredentialEnvelope.GetKeyId(record.Envelope));

    /// <summary>
    /// Another write landed between this one's read and its write: read again, up to <see cref="MaxWriteAttempts"/> times,
    /// then give up with <see cref="CredentialWriteConflictException"/> (nothing of this write stored).
    /// </summary>
    private void EnsureAnotherAttempt(int attempt, string tenant, string name)
    {
        if (attempt >= MaxWriteAttempts)
        {
            Log.WriteConflict(_logger, tenant, name, MaxWriteAttempts);
            throw new CredentialWriteConflictException(
                $"Another write to credential '{name}' of tenant '{tenant}' landed first in each of {MaxWriteAttempts} attempts; this write stored nothing.");
        }
    }

    /// <summary>The new version over <paramref name="existing"/>, or null when another write came first.</summary>
    private async ValueTask<CredentialInfo?> WriteAsync(string tenant, string name, string plaintext, CredentialRecord? existing, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var envelope = CredentialEnvelope.Encrypt(_ring, plaintext, CredentialEnvelope.CredentialContext(tenant, name));
        var record = new CredentialRecord
        {
            Name = name,
            Version = (existing?.Version ?? 0) + 1,
            CreatedAt = existing?.CreatedAt ?? now,
            UpdatedAt = now,
            Envelope = envelope,
        };
        if (!await _store.ReplaceAsync(tenant, existing, record, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        Changed?.Invoke(tenant, name);
        Log.Stored(_logger, tenant, name, record.Version, _ring.ActiveKeyId);
        return ToInfo(record);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Credential {Name} of tenant {Tenant} stored as version {Version} under key {KeyId}")]
        public static partial void Stored(ILogger logger, string tenant, string name, int version, string keyId);

        [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Credential {Name} of tenant {Tenant} revoked at version {Version}")]
        public static partial void Revoked(ILogger logger, string tenant, string name, int version);

        [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Re-encrypted {Count} credentials of tenant {Tenant} under key {KeyId}")]
        public static partial void Reencrypted(ILogger logger, string tenant, int count, string keyId);

        [LoggerMessage(EventId = 4103, Level = LogLevel.Error, Message = "Credential {Name} of tenant {Tenant} (version {Version}) failed to decrypt")]
        public static partial void DecryptFailed(ILogger logger, string tenant, string name, int version);

        [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Credential {Name} of tenant {Tenant} not written: another write landed first in each of {Attempts} attempts")]
        public static partial void WriteConflict(ILogger logger, string tenant, string name, int attempts);
    }
}
