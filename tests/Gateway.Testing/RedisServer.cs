using System.Diagnostics;

namespace Gateway.Testing;

/// <summary>
/// A real <c>redis-server</c> process on a free loopback port, with no persistence.
/// It can be stopped and started again on the same port to simulate an outage.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _extraArgs;
    private readonly string? _configFile;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();
    private Process? _process;

    private RedisServer(int port, string? password, string extraArgs, string? configFile)
    {
        Port = port;
        Password = password;
        _extraArgs = extraArgs;
        _configFile = configFile;
    }

    public int Port { get; }

    public string? Password { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The running server's process id (to freeze it with SIGSTOP, say).</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("redis-server is not running.");

    /// <summary>Freezes (SIGSTOP) or resumes (SIGCONT) the server: its socket stays open and simply stops answering.</summary>
    public async Task SignalAsync(bool freeze)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"{(freeze ? "-STOP" : "-CONT")} {ProcessId}") { UseShellExecute = false })
            ?? throw new InvalidOperationException("kill did not start");
        await kill.WaitForExitAsync().ConfigureAwait(false);
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill exited with {kill.ExitCode}");
        }
    }

    /// <summary>
    /// Starts a server; <paramref name="password"/> enables AUTH via <c>requirepass</c>. A <paramref name="configFile"/>
    /// is read first (a sentinel needs one it can rewrite: <c>--sentinel</c> in <paramref name="extraArgs"/>).
    /// </summary>
    public static async Task<RedisServer> StartAsync(string? password = null, string extraArgs = "", string? configFile = null)
    {
        var server = new RedisServer(FreePort.Next(), password, extraArgs, configFile);
        try
        {
            await server.StartAsync().ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task StartAsync()
    {
        if (IsRunning)
        {
            return;
        }

        var executable = LocateExecutable();
        _output.Clear();
        var args = (_configFile is null ? string.Empty : $"\"{_configFile}\" ") +
            $"--port {Port} --bind 127.0.0.1 --save \"\" --appendonly no --protected-mode no --daemonize no --loglevel warning";
        if (Password is not null)
        {
            args += $" --requirepass {Password}";
        }

        args += " " + _extraArgs;
        var info = new ProcessStartInfo(executable, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        // Its last lines are kept, for the message of a server that exits at start.
        _process.OutputDataReceived += (_, line) => Keep(line.Data);
        _process.ErrorDataReceived += (_, line) => Keep(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // A server a test forgets to dispose (a shared one, say) still dies with the test process.
        ProcessJanitor.KillAfterThisProcess(_process.Id, "redis-server");

        // Not listening yet is asked again; a server that exited stops the wait.
        await Eventually.HoldsAsync(
            async () => _process.HasExited || await FreePort.ListensAsync(Port).ConfigureAwait(false),
            TimeSpan.FromSeconds(10),
            $"redis-server did not listen on port {Port} within 10 s").ConfigureAwait(false);
        if (_process.HasExited)
        {
            await _process.WaitForExitAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"redis-server exited with {_process.ExitCode} on port {Port}: {string.Join(" | ", _output)}");
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 20 && _output.TryDequeue(out _))
        {
        }
    }

    /// <summary>Kills the process at once (SIGKILL): an outage, not a graceful shutdown.</summary>
    public async Task KillAsync()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync() => await KillAsync().ConfigureAwait(false);

    private static string LocateExecutable()
    {
        foreach (var candidate in new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("redis-server is not installed; `make test` installs it (apt-get install -y redis-server)");
    }
}
