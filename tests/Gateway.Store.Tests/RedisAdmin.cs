using Gateway.Testing;
using StackExchange.Redis;

namespace Gateway.Store.Tests;

/// <summary>A raw StackExchange.Redis client for what a test does behind the store's back (SCRIPT FLUSH, DEBUG SLEEP, INFO, ACL).</summary>
internal sealed class RedisAdmin : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _multiplexer;

    private RedisAdmin(ConnectionMultiplexer multiplexer) => _multiplexer = multiplexer;

    public IDatabase Database => _multiplexer.GetDatabase();

    /// <summary>
    /// Connects, trying again for up to ten seconds: a server that has just begun to listen (a new cluster node with no
    /// slots yet, say) can refuse StackExchange.Redis's first handshake ("Error connecting right now").
    /// </summary>
    public static async Task<RedisAdmin> ConnectAsync(string endpoint, string? password = null)
    {
        var options = ConfigurationOptions.Parse(endpoint);
        options.Password = password;
        options.AllowAdmin = true;
        options.SyncTimeout = options.AsyncTimeout = options.ConnectTimeout = 10_000;
        ConnectionMultiplexer? connected = null;
        RedisConnectionException? refused = null;
        await Eventually.HoldsAsync(
            async () =>
            {
                try
                {
                    connected = await ConnectionMultiplexer.ConnectAsync(options);
                    return true;
                }
                catch (RedisConnectionException ex)
                {
                    refused = ex;
                    return false;
                }
            },
            // A cluster node's first connection reads the cluster's shape, which under a whole suite's load can take seconds.
            TimeSpan.FromSeconds(30),
            () => $"Redis at {endpoint} refused every connection for 30 s: {refused?.Message}");
        return new RedisAdmin(connected!);
    }

    public Task<RedisResult> ExecuteAsync(string command, params object[] arguments) => Database.ExecuteAsync(command, arguments);

    /// <summary>Calls per command since the last <c>CONFIG RESETSTAT</c>, from <c>INFO commandstats</c>.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CommandCallsAsync()
    {
        var text = (string)(await ExecuteAsync("INFO", "commandstats"))!;
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            // cmdstat_evalsha:calls=3,usec=...
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var value = line[(colon + 1)..].Split(',')[0]["calls=".Length..];
            calls[line["cmdstat_".Length..colon]] = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        }

        return calls;
    }

    public async ValueTask DisposeAsync() => await _multiplexer.DisposeAsync();
}
