using System.Diagnostics;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// Runs <c>redis-cli</c> against a test server: the way an operator (or an attacker with store
/// access) touches Redis directly, independent of the gateway's own client.
/// </summary>
public static class RedisCli
{
    /// <summary>Runs one command; returns stdout (raw, one reply element per line). Fails on a non-zero exit or an error reply.</summary>
    public static async Task<string> RunAsync(int port, params string[] command)
    {
        var info = new ProcessStartInfo(Locate())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-h");
        info.ArgumentList.Add("127.0.0.1");
        info.ArgumentList.Add("-p");
        info.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var part in command)
        {
            info.ArgumentList.Add(part);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("redis-cli did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        var output = await stdout.ConfigureAwait(false);
        var error = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0 || output.StartsWith("ERR", StringComparison.Ordinal) || output.StartsWith("(error)", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', command)} failed ({process.ExitCode}): {output}{error}");
        }

        return output;
    }

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

    private static string Locate()
    {
        foreach (var candidate in new[] { "/usr/bin/redis-cli", "/usr/local/bin/redis-cli" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("redis-cli is not installed (it ships with redis-server: apt-get install -y redis-server)");
    }
}
