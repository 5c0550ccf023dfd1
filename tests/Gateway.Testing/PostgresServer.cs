using System.Diagnostics;
using Npgsql;

namespace Gateway.Testing;

/// <summary>
/// A real PostgreSQL server (Debian's <c>initdb</c> and <c>pg_ctl</c>) in a temporary directory,
/// listening on a free loopback port only, trust authentication, user <c>postgres</c>. PostgreSQL
/// refuses to run as root, so as root it runs as the <c>postgres</c> system user (<c>runuser</c>);
/// as anyone else, as that user. It can be stopped and started again on the same port (an outage).
/// <see cref="Shared"/> is one server per test process; <see cref="CreateDatabaseAsync"/> gives each
/// test its own empty database in it. <see cref="CreateStandbyAsync"/> clones a running server into a streaming
/// standby (<c>pg_basebackup -R</c>) that <see cref="PromoteAsync"/> turns into a primary: a failover.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly Lazy<Task<PostgresServer>> SharedServer = new(CreateSharedAsync);
    private readonly string _binDirectory;
    private readonly string _root;
    private readonly string? _runAs;

    private readonly bool _durable;

    private PostgresServer(string binDirectory, string root, string? runAs, int port, bool durable)
    {
        _binDirectory = binDirectory;
        _root = root;
        _runAs = runAs;
        Port = port;
        _durable = durable;
    }

    public int Port { get; }

    /// <summary>The cluster's data directory.</summary>
    public string DataDirectory => Path.Combine(_root, "data");

    public bool IsRunning { get; private set; }

    /// <summary>The <c>host:port</c> of this server, as a multi-host connection string lists it.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>One server for the whole test process, stopped when the process exits.</summary>
    public static Task<PostgresServer> Shared => SharedServer.Value;

    /// <summary>A connection string for the superuser to <paramref name="database"/>.</summary>
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Maximum Pool Size=20;Timeout=5;Command Timeout=30";

    /// <summary>Creates a fresh empty database and returns the superuser's connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(ConnectionString() + ";Pooling=false"))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        return ConnectionString(name);
    }

    /// <summary>
    /// Initialises a new cluster in a temporary directory and starts it on a free port. Not <paramref name="durable"/>
    /// (the tests' default): <c>fsync</c> and full page writes off, which a crash of the process survives but a crash of
    /// the machine does not; durable: PostgreSQL's own defaults, for measuring what a commit costs.
    /// </summary>
    public static async Task<PostgresServer> CreateAsync(bool durable = false)
    {
        var server = await PrepareAsync(LocateBinDirectory(), Environment.IsPrivilegedProcess ? "postgres" : null, durable).ConfigureAwait(false);
        await server.RunToolAsync("initdb", ["-D", server.DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]).ConfigureAwait(false);
        await server.StartAsync().ConfigureAwait(false);
        return server;
    }

    /// <summary>
    /// Clones this running server into a hot standby streaming from it (<c>pg_basebackup -X stream -R</c>: the WAL of
    /// the backup, then <c>standby.signal</c> and <c>primary_conninfo</c> naming this server), started on its own free
    /// port; every database of this server is on it.
    /// </summary>
    public async Task<PostgresServer> CreateStandbyAsync()
    {
        var standby = await PrepareAsync(_binDirectory, _runAs, _durable).ConfigureAwait(false);
        await standby.RunToolAsync("pg_basebackup", ["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", "-D", standby.DataDirectory, "-X", "stream", "-R", "--no-sync"]).ConfigureAwait(false);
        await standby.StartAsync().ConfigureAwait(false);
        return standby;
    }

    /// <summary>Promotes this standby to a primary (<c>pg_ctl promote -w</c>: returns once it takes writes).</summary>
    public Task PromoteAsync() => RunToolAsync("pg_ctl", ["-D", DataDirectory, "-w", "-t", "60", "promote"]);

    /// <summary>Starts the (stopped) server again on the same port and data.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            return;
        }

        var options = $"-c listen_addresses=127.0.0.1 -p {Port} -k {_root} {(_durable ? "-c shared_buffers=128MB" : "-c fsync=off -c full_page_writes=off -c shared_buffers=16MB")} -c max_connections=300";
        await RunToolAsync("pg_ctl", ["-D", DataDirectory, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60", "-o", options, "start"]).ConfigureAwait(false);
        IsRunning = true;
    }

    /// <summary>Stops the server at once (<c>pg_ctl stop -m immediate</c>): an outage, not a graceful shutdown.</summary>
    public async Task StopAsync()
    {
        if (!IsRunning)
        {
            return;
        }

        await RunToolAsync("pg_ctl", ["-D", DataDirectory, "-w", "-t", "60", "-m", "immediate", "stop"]).ConfigureAwait(false);
        IsRunning = false;
        NpgsqlConnection.ClearAllPools();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    // An empty temporary directory (owned by the user PostgreSQL runs as), a free port and the janitor; no cluster yet.
    private static async Task<PostgresServer> PrepareAsync(string bin, string? runAs, bool durable)
    {
        var root = Path.Combine(Path.GetTempPath(), "gateway-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        if (runAs is not null)
        {
            await RunAsync("chown", [runAs, root], null).ConfigureAwait(false);
        }

        var server = new PostgresServer(bin, root, runAs, FreePort.Next(), durable);
        server.StartJanitor();
        return server;
    }

    private static async Task<PostgresServer> CreateSharedAsync()
    {
        var server = await CreateAsync().ConfigureAwait(false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.StopAsync().GetAwaiter().GetResult();
        return server;
    }

    // A detached shell that outlives this process (and a test host killed with its process tree): once
    // this process is gone it stops the server and deletes its files, so no test run leaves either behind.
    private void StartJanitor()
    {
        var stop = _runAs is null
            ? $"\"{Path.Combine(_binDirectory, "pg_ctl")}\""
            : $"\"{LocateRunuser()}\" -u {_runAs} -- \"{Path.Combine(_binDirectory, "pg_ctl")}\"";
        ProcessJanitor.AfterThisProcess($"{stop} -D \"$0/data\" -m immediate stop; rm -rf \"$0\"", _root);
    }

    private Task RunToolAsync(string tool, IReadOnlyList<string> args)
    {
        var path = Path.Combine(_binDirectory, tool);
        return _runAs is null
            ? RunAsync(path, args, null)
            : RunAsync(LocateRunuser(), ["-u", _runAs, "--", path, .. args], _root);
    }

    private static async Task RunAsync(string executable, IReadOnlyList<string> args, string? workingDirectory)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{executable} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(executable)} {string.Join(' ', args)} exited with {process.ExitCode}: {await error.ConfigureAwait(false)}{await output.ConfigureAwait(false)}");
        }
    }

    private static string LocateRunuser() =>
        new[] { "/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("runuser is not installed; it is needed to run PostgreSQL as the postgres user when the tests run as root.");

    private static string LocateBinDirectory()
    {
        const string Debian = "/usr/lib/postgresql";
        if (Directory.Exists(Debian))
        {
            var newest = Directory.EnumerateDirectories(Debian)
                .Select(static d => (Path: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(static d => File.Exists(Path.Combine(d.Path, "initdb")))
                .OrderByDescending(static d => d.Version)
                .FirstOrDefault();
            if (newest.Path is not null)
            {
                return newest.Path;
            }
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl")))
            {
                return directory;
            }
        }

        throw new InvalidOperationException("PostgreSQL is not installed; `make test` installs it (apt-get install -y postgresql).");
    }
}
