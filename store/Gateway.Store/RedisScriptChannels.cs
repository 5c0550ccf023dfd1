using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Gateway.Store;

/// <summary>
/// The idle <see cref="RedisScriptChannel"/>s of one standalone Redis, each taken by one call at a time (an audit chain's
/// appends are one at a time, so a replica holds about one per chain) and opened when none is idle. A script runs as
/// <c>EVALSHA</c>, and as <c>EVAL</c> on the same connection when the server answers <c>NOSCRIPT</c>.
/// </summary>
internal sealed class RedisScriptChannels : IDisposable
{
    private readonly ConcurrentStack<RedisScriptChannel> _idle = new();
    private readonly ConcurrentDictionary<LuaScript, string> _hashes = new();
    private readonly RedisStoreOptions _options;
    private readonly RedisEndpoint _endpoint;
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
    /// An idle connection the server closed (Redis restarted, or its idle timeout) is dropped before anything is sent on it.
    /// A call is never sent twice: once sent, a failure fails it, since the script may have run.
    /// </summary>
    public async ValueTask<byte[]> EvaluateAsync(LuaScript script, IReadOnlyList<string> keys, IReadOnlyList<RedisValue> values, CancellationToken deadline)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var hash = _hashes.GetOrAdd(script, static s => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(s.ExecutableScript))));
        RedisScriptChannel? channel = null;
        while (_idle.TryPop(out var idle))
        {
            if (idle.IsIdleAndOpen)
            {
                channel = idle;
                break;
            }

            idle.Dispose();
        }

        channel ??= await RedisScriptChannel.OpenAsync(_options, _endpoint, deadline).ConfigureAwait(false);
        return await EvaluateAsync(channel, script, hash, keys, values, deadline).ConfigureAwait(false);
    }

    // One call on channel, which goes back to the idle ones unless the call left it out of step.
    private async ValueTask<byte[]> EvaluateAsync(RedisScriptChannel channel, LuaScript script, string hash, IReadOnlyList<string> keys, IReadOnlyList<RedisValue> values, CancellationToken deadline)
    {
        try
        {
            byte[] reply;
            try
            {
                reply = await channel.CallAsync(Words("EVALSHA", hash, keys), values, deadline).ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
            {
                reply = await channel.CallAsync(Words("EVAL", script.ExecutableScript, keys), values, deadline).ConfigureAwait(false);
            }

            Return(channel);
            return reply;
        }
        catch (RedisServerException)
        {
            // The server answered in full: the connection is still in step.
            Return(channel);
            throw;
        }
        catch
        {
            channel.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryPop(out var channel))
        {
            channel.Dispose();
        }
    }

    private void Return(RedisScriptChannel channel)
    {
        _idle.Push(channel);
        while (_disposed && _idle.TryPop(out var late))
        {
            late.Dispose();
        }
    }

    private static string[] Words(string command, string script, IReadOnlyList<string> keys)
    {
        var words = new string[3 + keys.Count];
        words[0] = command;
        words[1] = script;
        words[2] = keys.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < keys.Count; i++)
        {
            words[3 + i] = keys[i];
        }

        return words;
    }
}
