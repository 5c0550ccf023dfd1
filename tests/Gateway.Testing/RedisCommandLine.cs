using System.Diagnostics;
using System.Globalization;

namespace Gateway.Testing;

/// <summary>
/// Runs <c>redis-cli</c> against a test server on loopback: the way an operator touches Redis directly (building a
/// cluster, asking a sentinel, reading a key), independent of the gateway's own client.
/// </summary>
public static class RedisCommandLine
{
    /// <summary>Runs one command on <paramref name="port"/>; returns stdout (raw, one reply element per line). Fails on a non-zero exit or an error reply.</summary>
    public static Task<string> RunAsync(int port, params string[] command) =>
        RunAsync(["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), .. command], TimeSpan.FromSeconds(10));

    /// <summary>Runs redis-cli with exactly <paramref name="arguments"/> (<c>--cluster create ...</c>, say), within <paramref name="timeout"/>.</summary>
    public static async Task<string> RunAsync(IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(Locate())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("redis-cli did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var deadline = new CancellationTokenSource(timeout))
        {
            try
            {
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"redis-cli {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds:0} s");
            }
        }

        var output = await stdout.ConfigureAwait(false);
        var error = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0 || output.StartsWith("ERR", StringComparison.Ordinal) || output.StartsWith("(error)", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', arguments)} failed ({process.ExitCode}): {output}{error}");
        }

        return output;
    }

    /// <summary>The <c>field:value</c> lines of an <c>INFO</c> reply (or <c>CLUSTER INFO</c>), by field.</summary>
    public static IReadOnlyDictionary<string, string> ParseInfo(string reply)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in reply.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && !line.StartsWith('#'))
            {
                fields[line[..colon]] = line[(colon + 1)..];
            }
        }

        return fields;
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
