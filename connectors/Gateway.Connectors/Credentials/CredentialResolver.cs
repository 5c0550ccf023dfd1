using System.Collections.Concurrent;
using System.Text;
using Gateway.Connectors.Vault;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Connectors.Credentials;

/// <summary>
/// Resolves a connector's credential reference: <c>vault:&lt;name&gt;</c> from the tenant's vault (cached for
/// <see cref="CredentialResolverOptions.VaultCacheTtl"/>; <see cref="ResolveFreshAsync"/> reads the store),
/// <c>env:&lt;VAR&gt;</c> from the process environment, <c>file:&lt;path&gt;</c> from a file's trimmed
/// contents (cached per tenant and path for <see cref="CredentialResolverOptions.FileCacheTtl"/>, then re-read, so a rotated
/// secret is picked up), only inside the tenant's credentials directory (<see cref="CredentialFileConfinement"/>, checked
/// before every read of the file; a cached value was read right after such a check and is served without another one
/// until the interval ends: docs/security.md, "Credentials").
/// Values are returned only inside this library as <see cref="SecretValue"/>; failures raise
/// <see cref="CredentialUnavailableException"/> whose message names the reference, never a value.
/// </summary>
public sealed partial class CredentialResolver
{
    private const int MaxParsedReferences = 4096;
    private readonly CredentialVault? _vault;
    private readonly CredentialResolverOptions _options;
    private readonly CredentialFileConfinement _confinement;
    private readonly TimeProvider _time;
    private readonly Func<string, string?> _environment;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, CredentialReference> _parsed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Tenant, string Name), CacheEntry> _vaultCache = new();

    // How many changes this replica's vault has raised (Changed): a read that saw one land caches nothing.
    private long _vaultChanges;
    private readonly ConcurrentDictionary<(string Tenant, string Path), FileEntry> _fileCache = new();

    public CredentialResolver(
        CredentialVault? vault,
        CredentialResolverOptions? options = null,
        TimeProvider? timeProvider = null,
        Func<string, string?>? environment = null,
        ILogger<CredentialResolver>? logger = null)
    {
        _options = options ?? new CredentialResolverOptions();
        var errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid credential resolver options: " + string.Join(" ", errors), nameof(options));
        }

        _vault = vault;
        _confinement = new CredentialFileConfinement(_options.CredentialsRoot);
        _time = timeProvider ?? TimeProvider.System;
        _environment = environment ?? Environment.GetEnvironmentVariable;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        if (_vault is not null)
        {
            _vault.Changed += (tenant, name) =>
            {
                Interlocked.Increment(ref _vaultChanges);
                _vaultCache.TryRemove((tenant, name), out _);
            };
        }
    }

    /// <summary>True when the reference resolves right now (for readiness checks and catalog validation); never returns the value.</summary>
    public async ValueTask<bool> IsAvailableAsync(string tenant, string reference, CancellationToken cancellationToken = default)
    {
        try
        {
            _ = await ResolveAsync(tenant, reference, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (CredentialUnavailableException)
        {
            return false;
        }
    }

    internal ValueTask<SecretValue> ResolveAsync(string tenant, string reference, CancellationToken cancellationToken = default) =>
        ResolveReferenceAsync(tenant, reference, fresh: false, cancellationToken);

    /// <summary>As <see cref="ResolveAsync(string, string, CancellationToken)"/>, a <c>vault:</c> reference read from the store, never the cache (a policy reload's agent secrets).</summary>
    internal ValueTask<SecretValue> ResolveFreshAsync(string tenant, string reference, CancellationToken cancellationToken = default) =>
        ResolveReferenceAsync(tenant, reference, fresh: true, cancellationToken);

    private ValueTask<SecretValue> ResolveReferenceAsync(string tenant, string reference, bool fresh, CancellationToken cancellationToken)
    {
        if (!_parsed.TryGetValue(reference, out var parsed))
        {
            if (!CredentialReference.TryParse(reference, out parsed, out var error))
            {
                throw new CredentialUnavailableException(error);
            }

            // The catalog's references, parsed once each (bounded: references are configuration, not input).
            if (_parsed.Count < MaxParsedReferences)
            {
                _parsed.TryAdd(reference, parsed);
            }
        }

        return parsed.Source switch
        {
            CredentialSource.Vault => ResolveVaultAsync(tenant, parsed.Target, fresh, cancellationToken),
            CredentialSource.Environment => ValueTask.FromResult(ResolveEnvironment(parsed.Target)),
            _ => ValueTask.FromResult(ResolveFile(tenant, parsed.Target)),
        };
    }

    /// <summary>
    /// A vault credential: from the cache for <see cref="CredentialResolverOptions.VaultCacheTtl"/> after the store was read
    /// (the bound on a revocation or rotation through another replica, whose vault raises no event here), else from the store.
    /// </summary>
    private async ValueTask<SecretValue> ResolveVaultAsync(string tenant, string name, bool fresh, CancellationToken cancellationToken)
    {
        if (_vault is null)
        {
            throw new CredentialUnavailableException($"vault credential '{name}' requested but no vault is configured.");
        }

        var now = _time.GetUtcNow();
        if (!fresh && _vaultCache.TryGetValue((tenant, name), out var cached) && cached.ExpiresAt > now)
        {
            return cached.Value;
        }

        // A change through this replica's vault while the store is read (a revocation, a rotation) keeps what was read
        // out of the cache: the next request reads the store again.
        var changes = Volatile.Read(ref _vaultChanges);
        SecretValue value;
        try
        {
            value = await _vault.ResolveAsync(tenant, name, cancellationToken).ConfigureAwait(false);
        }
        catch (CredentialUnavailableException)
        {
            // Revoked or gone in the store: no earlier value is served again.
            _vaultCache.TryRemove((tenant, name), out _);
            throw;
        }

        if (_options.VaultCacheTtl > TimeSpan.Zero && Volatile.Read(ref _vaultChanges) == changes)
        {
            var entry = new CacheEntry(value, now + _options.VaultCacheTtl);
            _vaultCache[(tenant, name)] = entry;
            if (Volatile.Read(ref _vaultChanges) != changes)
            {
                // A change landed between the check and the write: what was written goes again.
                _vaultCache.TryRemove(new KeyValuePair<(string, string), CacheEntry>((tenant, name), entry));
            }
        }

        return value;
    }

    private SecretValue ResolveEnvironment(string variable)
    {
        var value = _environment(variable)?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            throw new CredentialUnavailableException($"environment variable '{variable}' is not set.");
        }

        return new SecretValue(value);
    }

    private SecretValue ResolveFile(string tenant, string path)
    {
        // The cache is per tenant: a value read for one tenant (after its confinement check) is never
        // served to another tenant naming the same path.
        var key = (tenant, path);
        var now = _time.GetUtcNow();
        _fileCache.TryGetValue(key, out var cached);
        if (cached is not null && cached.CheckAfter > now)
        {
            return cached.Value;
        }

        // Confinement is checked before every read of the file (each refresh), so a link swapped out of
        // the tenant's directory is refused at the next refresh at the latest.
        if (_confinement.Check(tenant, path) is { } refusal)
        {
            _fileCache.TryRemove(key, out _);
            Log.FileRefused(_logger, tenant, path);
            throw new CredentialUnavailableException(refusal);
        }

        try
        {
            // Re-read once the cache interval has passed: a Kubernetes secret mount swaps its files
            // through a "..data" directory symlink, which neither the link's nor the target's times reveal.
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new CredentialUnavailableException($"credential file '{path}' does not exist.");
            }

            if (info.Length == 0)
            {
                // Before any read: a pipe, a device or /proc has no length, and reading one would block or never end.
                throw new CredentialUnavailableException($"credential file '{path}' is empty, or no regular file.");
            }

            if (info.Length > _options.MaxFileBytes)
            {
                throw new CredentialUnavailableException($"credential file '{path}' is larger than {_options.MaxFileBytes} bytes.");
            }

            var text = Encoding.UTF8.GetString(File.ReadAllBytes(path)).Trim();
            if (text.Length == 0)
            {
                throw new CredentialUnavailableException($"credential file '{path}' is empty.");
            }

            var changed = cached is not null && !string.Equals(cached.Value.Value, text, StringComparison.Ordinal);
            var value = cached is not null && !changed ? cached.Value : new SecretValue(text);
            _fileCache[key] = new FileEntry(value, now + _options.FileCacheTtl);
            if (changed)
            {
                Log.FileReloaded(_logger, path);
            }

            return value;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.FileUnreadable(_logger, path, ex.GetType().Name);
            throw new CredentialUnavailableException($"credential file '{path}' cannot be read.");
        }
    }

    private sealed record CacheEntry(SecretValue Value, DateTimeOffset ExpiresAt);

    private sealed record FileEntry(SecretValue Value, DateTimeOffset CheckAfter);

    private static partial class Log
    {
        [LoggerMessage(EventId = 4110, Level = LogLevel.Information, Message = "Credential file {Path} changed; reloaded")]
        public static partial void FileReloaded(ILogger logger, string path);

        [LoggerMessage(EventId = 4111, Level = LogLevel.Warning, Message = "Credential file {Path} cannot be read ({Error})")]
        public static partial void FileUnreadable(ILogger logger, string path, string error);

        [LoggerMessage(EventId = 4112, Level = LogLevel.Warning, Message = "Credential file {Path} refused for tenant {Tenant}: outside its credentials directory")]
        public static partial void FileRefused(ILogger logger, string tenant, string path);
    }
}
