using Gateway.Testing;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// Runs <c>redis-cli</c> against a test server: the way an operator (or an attacker with store
/// access) touches Redis directly, independent of the gateway's own client.
/// </summary>
public static class RedisCli
{
    /// <summary>Runs one command; returns stdout (raw, one reply element per line). Fails on a non-zero exit or an error reply.</summary>
    public static Task<string> RunAsync(int port, params string[] command) => RedisCommandLine.RunAsync(port, command);

    /// <summary>The entries of a stream whose entries each hold one field: (id, field, value), in order.</summary>
    public static async Task<IReadOnlyList<(string Id, string Field, string Value)>> ReadStreamAsync(int port, string key)
    {
        var output = await RunAsync(port, "XRANGE", key, "-", "+").ConfigureAwait(false);
        var lines = output.Split('\n');
        if (lines.Length > 0 && lines[^1].Length == 0)
        {
            lines = lines[..^1];
        }

        if (lines.Length % 3 != 0)
        {
            throw new InvalidOperationException($"Unexpected XRANGE output ({lines.Length} lines); entries must have exactly one single-line field.");
        }

        var entries = new List<(string, string, string)>(lines.Length / 3);
        for (var i = 0; i < lines.Length; i += 3)
        {
            entries.Add((lines[i], lines[i + 1], lines[i + 2]));
        }

        return entries;
    }
}
