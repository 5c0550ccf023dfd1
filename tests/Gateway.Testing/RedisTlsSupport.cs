using System.Diagnostics;

namespace Gateway.Testing;

/// <summary>
/// Whether the installed redis-server was built with TLS. Detected by asking the binary to accept
/// <c>--tls-port</c>: a build without TLS rejects the directive with a fatal configuration error.
/// </summary>
public static class RedisTlsSupport
{
    private static readonly Lazy<string?> Probe = new(DetectUnsupportedReason);

    /// <summary>Null when TLS is supported; otherwise why not (suitable as a test's skip reason).</summary>
    public static string? UnsupportedReason => Probe.Value;

    private static string? DetectUnsupportedReason()
    {
        var executable = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server" }.FirstOrDefault(File.Exists);
        if (executable is null)
        {
            return "redis-server is not installed.";
        }

        // Both ports 0: a TLS build accepts the directives, then exits because it listens nowhere.
        var info = new ProcessStartInfo(executable, "--port 0 --tls-port 0 --save \"\" --appendonly no")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info);
        if (process is null)
        {
            return "redis-server could not be started to probe for TLS.";
        }

        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(10_000))
        {
            process.Kill(entireProcessTree: true);
            return "redis-server did not answer the TLS probe within 10 s.";
        }

        var text = output.Result + error.Result;
        return text.Contains("FATAL CONFIG", StringComparison.Ordinal)
            ? $"{executable} was built without TLS support: it rejects --tls-port ({text.Trim().Split('\n')[^1].Trim()})."
            : null;
    }
}
