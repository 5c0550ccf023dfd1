using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Credentials;
using Gateway.Policy;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Gateway.Connectors.Mcp;

/// <summary>
/// The MCP servers' tool lists in the gateway's <see cref="HybridCache"/>: in process, and on the Redis store also in
/// Redis, so that a server's <c>tools/list</c> one replica made serves the others (<see cref="McpServerToolLists"/>
/// decides freshness by the gateway's clock from the instant each copy carries). Only a listing the server answered is
/// kept, never a failure. The key is a SHA-256 of the tenant, the server's name and its definition as the gateway fetches
/// the list (upstream, credential reference, auth scheme), so a changed catalog entry never reads another entry's list
/// and tenants never share one. A cache that cannot be read or written (Redis unreachable) is a miss: the replica lists
/// the server itself (logged, event 4302).
/// </summary>
public sealed partial class McpToolListCache
{
    private const string KeyPrefix = "gw:mcp-tools:v1:";

    /// <summary>A read that never writes: a miss stays a miss (the listing, not the cache, makes the copy).</summary>
    private static readonly HybridCacheEntryOptions ReadOnly = new()
    {
        Flags = HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableDistributedCacheWrite,
    };

    private readonly HybridCache _cache;
    private readonly ILogger<McpToolListCache> _logger;

    public McpToolListCache(HybridCache cache, ILogger<McpToolListCache> logger)
    {
        _cache = cache;
        _logger = logger;
    }

    /// <summary>The cache key of <paramref name="server"/>'s tool list for <paramref name="tenant"/>.</summary>
    public static string Key(string tenant, CatalogEntry server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var definition = string.Join('\n', tenant, server.Name, server.Upstream?.AbsoluteUri, CredentialBinding(server));
        return KeyPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(definition)));
    }

    /// <summary>How the gateway's requests to <paramref name="server"/> carry its credential: reference, header and scheme (a session opened with one binding serves no other).</summary>
    internal static string CredentialBinding(CatalogEntry server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return Bindings.GetValue(server, static s => string.Join('\n', ConnectorCredentials.ReferenceOf(s), s.Auth.HeaderName, s.Auth.IsBearer ? "bearer" : "raw"));
    }

    // Each (immutable) catalog entry's binding, made once and kept as long as the entry is.
    private static readonly ConditionalWeakTable<CatalogEntry, string> Bindings = new();

    /// <summary>The tools kept under <paramref name="key"/> and when the server was asked for them, or null.</summary>
    public async ValueTask<(IList<Tool> Tools, DateTimeOffset FetchedAt)?> GetAsync(string key, CancellationToken cancellationToken)
    {
        string? stamped;
        try
        {
            stamped = await _cache.GetOrCreateAsync(key, static _ => ValueTask.FromResult<string?>(null), ReadOnly, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogCacheFailed(_logger, "read", ex.GetType().Name);
            return null;
        }

        var newline = stamped?.IndexOf('\n', StringComparison.Ordinal) ?? -1;
        if (stamped is null || newline <= 0 || !long.TryParse(stamped.AsSpan(0, newline), NumberStyles.None, CultureInfo.InvariantCulture, out var fetchedAt))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(stamped.AsSpan(newline + 1), ListTypeInfo) is ListToolsResult { Tools: { } tools }
                ? (tools, DateTimeOffset.FromUnixTimeMilliseconds(fetchedAt))
                : null;
        }
        catch (JsonException)
        {
            LogCacheFailed(_logger, "read", nameof(JsonException));
            return null;
        }
    }

    /// <summary>Keeps <paramref name="tools"/>, asked of the server at <paramref name="fetchedAt"/>, under <paramref name="key"/> for <paramref name="lifetime"/>.</summary>
    public async ValueTask SetAsync(string key, IReadOnlyList<Tool> tools, DateTimeOffset fetchedAt, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var stamped = fetchedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + "\n"
            + JsonSerializer.Serialize(new ListToolsResult { Tools = [.. tools] }, ListTypeInfo);
        try
        {
            await _cache.SetAsync(key, stamped, new HybridCacheEntryOptions { Expiration = lifetime, LocalCacheExpiration = lifetime }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogCacheFailed(_logger, "write", ex.GetType().Name);
        }
    }

    private static System.Text.Json.Serialization.Metadata.JsonTypeInfo ListTypeInfo => McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ListToolsResult));

    [LoggerMessage(EventId = 4302, Level = LogLevel.Warning, Message = "The MCP tool-list cache could not {Operation}: {Reason}; the server is listed again")]
    private static partial void LogCacheFailed(ILogger logger, string operation, string reason);
}
