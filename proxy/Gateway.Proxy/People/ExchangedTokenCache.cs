using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Vault;
using Microsoft.Extensions.Caching.Hybrid;

namespace Gateway.Proxy.People;

/// <summary>
/// The person-scoped tokens a token exchange issued (<see cref="PersonCredentials"/>), kept in the gateway's
/// <see cref="HybridCache"/>: in process, and on the Redis store also in Redis, so that a token one replica exchanged is
/// used by the others until <see cref="PersonOptions.ExchangedTokenMargin"/> before it expires. A token leaves the process
/// only encrypted under the vault's data key (<see cref="CredentialEnvelope"/>, bound to its cache key); the key is a
/// SHA-256 of the tenant, the person's issuer and subject and the audience, so it names neither the person's identity
/// token nor the exchanged one. A cache that cannot be read or written (Redis unreachable) is a miss: the replica
/// exchanges for itself and keeps the token in process (fails over, never fails open: a token is only ever one the
/// provider issued for this person and audience).
/// </summary>
internal sealed partial class ExchangedTokenCache
{
    private const string KeyPrefix = "gw:person-token:v1:";

    /// <summary>A read that never writes: a miss stays a miss (the exchange, not the cache, makes the token).</summary>
    private static readonly HybridCacheEntryOptions ReadOnly = new()
    {
        Flags = HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableDistributedCacheWrite,
    };

    private readonly HybridCache _cache;
    private readonly EncryptionKeyRing _keys;
    private readonly TimeProvider _time;
    private readonly ILogger<ExchangedTokenCache> _logger;

    public ExchangedTokenCache(HybridCache cache, EncryptionKeyRing keys, TimeProvider time, ILogger<ExchangedTokenCache> logger)
    {
        _cache = cache;
        _keys = keys;
        _time = time;
        _logger = logger;
    }

    /// <summary>The cache key of one person's token for one audience: a digest, never the person's token.</summary>
    public static string Key(string tenant, string issuer, string subject, string audience) =>
        KeyPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', tenant, issuer, subject, audience))));

    /// <summary>The token cached under <paramref name="key"/> while it may still be used, or null.</summary>
    public async ValueTask<SecretValue?> GetAsync(string key, CancellationToken cancellationToken)
    {
        string? envelope;
        try
        {
            envelope = await _cache.GetOrCreateAsync(key, static _ => ValueTask.FromResult<string?>(null), ReadOnly, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogCacheFailed(_logger, "read", ex.GetType().Name);
            return null;
        }

        if (envelope is null)
        {
            return null;
        }

        string payload;
        try
        {
            payload = CredentialEnvelope.DecryptString(_keys, envelope, key);
        }
        catch (CryptographicException)
        {
            // Another deployment's data key, or tampered with in Redis: not ours to use.
            LogCacheFailed(_logger, "decrypt", nameof(CryptographicException));
            return null;
        }

        var newline = payload.IndexOf('\n', StringComparison.Ordinal);
        return newline > 0 && long.TryParse(payload.AsSpan(0, newline), NumberStyles.None, CultureInfo.InvariantCulture, out var useUntil)
            && useUntil > _time.GetUtcNow().ToUnixTimeMilliseconds()
            ? new SecretValue(payload[(newline + 1)..])
            : null;
    }

    /// <summary>Keeps <paramref name="token"/> under <paramref name="key"/> until <paramref name="useUntil"/>, encrypted.</summary>
    public async ValueTask SetAsync(string key, string token, DateTimeOffset useUntil, CancellationToken cancellationToken)
    {
        var lifetime = useUntil - _time.GetUtcNow();
        if (lifetime <= TimeSpan.Zero)
        {
            return;
        }

        var envelope = CredentialEnvelope.Encrypt(_keys, useUntil.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + "\n" + token, key);
        try
        {
            await _cache.SetAsync(key, envelope, new HybridCacheEntryOptions { Expiration = lifetime, LocalCacheExpiration = lifetime }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogCacheFailed(_logger, "write", ex.GetType().Name);
        }
    }

    [LoggerMessage(EventId = 3314, Level = LogLevel.Warning, Message = "The exchanged-token cache could not {Operation}: {Reason}; the token is exchanged again")]
    private static partial void LogCacheFailed(ILogger logger, string operation, string reason);
}
