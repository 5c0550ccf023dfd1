using System.Diagnostics;
using System.Text;
using Gateway.Testing;

namespace Gateway.Oversight.Tests.Notifications;

/// <summary>
/// A real SMTP server on loopback: Debian's aiosmtpd (package python3-aiosmtpd, which build/install-test-deps.sh
/// installs) with its Debugging handler, which prints every message it receives; <see cref="Received"/> is that output.
/// </summary>
internal sealed class AiosmtpdServer : IAsyncDisposable
{
    private const string Python = "/usr/bin/python3";
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AiosmtpdServer(Process process, int port)
    {
        _process = process;
        Port = port;
        process.OutputDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    /// <summary>Everything the server printed so far (the messages, headers and bodies, as received).</summary>
    public string Received
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the server on <paramref name="port"/> (a free one unless given) and waits until it accepts connections.</summary>
    public static async Task<AiosmtpdServer> StartAsync(int? port = null)
    {
        var chosen = port ?? FreePort.Next();
        var start = new ProcessStartInfo(Python, ["-u", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + chosen, "-c", "aiosmtpd.handlers.Debugging"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("python3 -m aiosmtpd did not start (install python3-aiosmtpd: build/install-test-deps.sh)");
        var server = new AiosmtpdServer(process, chosen);
        await Eventually.HoldsAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("aiosmtpd exited: " + server.Received);
            }

            return await FreePort.ListensAsync(chosen);
        }, TimeSpan.FromSeconds(20), () => "aiosmtpd did not listen on 127.0.0.1:" + chosen + ": " + server.Received);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
