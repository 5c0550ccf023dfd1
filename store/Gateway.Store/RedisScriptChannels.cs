using System.Security.Cryptography;
using System.Text;
using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace Gateway.Store;

/// <summary>
/// The store's one <see cref="RedisScriptChannel"/> to a standalone Redis, opened on first use and again after it failed.
/// Every call goes on it, in the order made, as on StackExchange.Redis' one connection: an audit chain sends its next
/// groups before the first is acknowledged and counts on Redis running them in that order. A script runs as
/// <c>EVALSHA</c>, and as <c>EVAL</c> on the same connection when the server answers <c>NOSCRIPT</c>.
/// </summary>
internal sealed class RedisScriptChannels : IDisposable
{
    private readonly SemaphoreSlim _opening = new(1, 1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<LuaScript, string> _hashes = new();
    private readonly RedisStoreOptions _options;
    private readonly RedisEndpoint _endpoint;
    private RedisScriptChannel? _current;
    private volatile bool _disposed;

    private RedisScriptChannels(RedisStoreOptions options, RedisEndpoint endpoint)
    {
        _options = options;
        _endpoint = endpoint;
    }

    /// <summary>Channels for <paramref name="options"/>, or null where they do not apply (off, TLS, replica acknowledgements, not one server).</summary>
    public static RedisScriptChannels? For(RedisStoreOptions options) =>
        options.DirectScriptCalls && options.Topology == RedisTopology.Standalone && !options.UseTls
            && options.RequiredReplicaAcknowledgements == 0 && options.ConfiguredEndpoints.Count == 1
            && RedisEndpoint.TryParse(options.ConfiguredEndpoints[0], out var endpoint)
            ? new RedisScriptChannels(options, endpoint.Value)
            : null;

    /// <summary>
    /// Runs <paramref name="script"/> and returns its string reply's bytes; the whole call within <paramref name="deadline"/>.
    /// A connection the server closed while idle (Redis restarted, its idle timeout) is replaced before anything is sent on
    /// it. A call is never sent twice: once sent, a failure fails it, since the script may have run.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<byte[]> EvaluateAsync(LuaScript script, IReadOnlyList<RedisKey> keys, IReadOnlyList<RedisValue> values, CancellationToken deadline)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var hash = _hashes.GetOrAdd(script, static s => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(s.ExecutableScript))));
        var channel = Volatile.Read(ref _current);
        if (channel is null || !channel.IsUsable)
        {
            channel = await OpenAsync(deadline).ConfigureAwait(false);
        }

        try
        {
            return await channel.CallAsync(Words("EVALSHA", hash, keys), values, deadline).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            // Nothing ran. Calls sent after this one meet NOSCRIPT too and are sent again after it, unless another
            // connection loaded the script in between: then a later append may run first, and the expected length each
            // append carries turns the out-of-order one into a conflict its writer retries, never a misplaced record.
            return await channel.CallAsync(Words("EVAL", script.ExecutableScript, keys), values, deadline).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        Interlocked.Exchange(ref _current, null)?.Dispose();
    }

    // The current channel, or a new one in its place when it is unusable; one opening at a time.
    private async ValueTask<RedisScriptChannel> OpenAsync(CancellationToken deadline)
    {
        await _opening.WaitAsync(deadline).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _current) is { IsUsable: true } current)
            {
                return current;
            }

            var opened = await RedisScriptChannel.OpenAsync(_options, _endpoint, deadline).ConfigureAwait(false);
            Interlocked.Exchange(ref _current, opened)?.Dispose();
            if (_disposed)
            {
                Dispose();
                throw new ObjectDisposedException(nameof(RedisScriptChannels));
            }

            return opened;
        }
        finally
        {
            _opening.Release();
        }
    }

    private static string[] Words(string command, string script, IReadOnlyList<RedisKey> keys)
    {
        var words = new string[3 + keys.Count];
        words[0] = command;
        words[1] = script;
        words[2] = keys.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < keys.Count; i++)
        {
            words[3 + i] = (string)keys[i]!;
        }

        return words;
    }
}
