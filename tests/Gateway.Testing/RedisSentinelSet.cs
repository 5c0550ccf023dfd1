using System.Globalization;
using System.Text;

namespace Gateway.Testing;

/// <summary>
/// A real Sentinel setup on loopback: a primary, one replica and three sentinels (quorum two) watching it under
/// <see cref="ServiceName"/>. A silent primary is judged down after one second, so a killed one is replaced within
/// seconds; a former primary started again is turned into a replica of the new one by the sentinels. Every process
/// dies with the test process (<see cref="ProcessJanitor"/>); the sentinels' config files (which they rewrite) live in
/// a temporary directory removed on dispose.
/// </summary>
public sealed class RedisSentinelSet : IAsyncDisposable
{
    /// <summary>The name the sentinels monitor the primary under.</summary>
    public const string ServiceName = "gateway-primary";

    private readonly string _directory;
    private readonly Dictionary<RedisServer, int?> _tlsPorts = [];

    private RedisSentinelSet(string directory, RedisTestSecurity security)
    {
        _directory = directory;
        Security = security;
    }

    /// <summary>The primary and the replica, in the roles they started with (a failover swaps them: ask <see cref="PrimaryAsync"/>).</summary>
    public List<RedisServer> DataServers { get; } = [];

    public List<RedisServer> Sentinels { get; } = [];

    public RedisTestSecurity Security { get; }

    /// <summary>The sentinels' client endpoints (the TLS ports when TLS is on): the gateway's <c>Endpoints</c>.</summary>
    public IReadOnlyList<string> SentinelEndpoints => [.. Sentinels.Select(ClientEndpoint)];

    /// <summary>How long a silent primary takes to be judged down.</summary>
    public static TimeSpan DownAfter { get; } = TimeSpan.FromSeconds(1);

    public static async Task<RedisSentinelSet> StartAsync(RedisTestSecurity? security = null)
    {
        security ??= new RedisTestSecurity();
        var set = new RedisSentinelSet(Directory.CreateTempSubdirectory("gateway-redis-sentinel-").FullName, security);
        ProcessJanitor.AfterThisProcess("rm -rf \"$0\"", set._directory);
        try
        {
            var primary = await set.StartDataServerAsync(replicaOf: null).ConfigureAwait(false);
            await set.StartDataServerAsync(replicaOf: primary).ConfigureAwait(false);
            for (var i = 0; i < 3; i++)
            {
                await set.StartSentinelAsync(primary, i).ConfigureAwait(false);
            }

            await set.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            return set;
        }
        catch
        {
            await set.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public string ClientEndpoint(RedisServer server) =>
        _tlsPorts[server] is { } tls ? string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{tls}") : server.Endpoint;

    /// <summary>The data server the sentinels name as the primary now.</summary>
    public async Task<RedisServer> PrimaryAsync()
    {
        var sentinel = Sentinels.First(static s => s.IsRunning);
        var reply = await RunOnSentinelAsync(sentinel, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", ServiceName).ConfigureAwait(false);
        var port = int.Parse(reply.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return DataServers.Single(s => s.Port == port || _tlsPorts[s] == port);
    }

    /// <summary>Waits until every sentinel names a primary other than <paramref name="former"/> and that server says it is one; returns it.</summary>
    public async Task<RedisServer> WaitForPromotionAsync(RedisServer former, TimeSpan within)
    {
        RedisServer? promoted = null;
        await Eventually.HoldsAsync(async () =>
        {
            foreach (var sentinel in Sentinels)
            {
                var reply = await RunOnSentinelAsync(sentinel, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", ServiceName).ConfigureAwait(false);
                var port = int.Parse(reply.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                var named = DataServers.Single(s => s.Port == port || _tlsPorts[s] == port);
                if (named == former || (promoted is not null && named != promoted))
                {
                    return false;
                }

                promoted = named;
            }

            var role = RedisCommandLine.ParseInfo(await RedisCommandLine.RunAsync(promoted!.Port, "INFO", "replication").ConfigureAwait(false));
            return role.GetValueOrDefault("role") == "master";
        }, within, $"the sentinels promoted no replica within {within.TotalSeconds:0} s").ConfigureAwait(false);
        return promoted!;
    }

    /// <summary>
    /// Waits until every server runs, the sentinels agree on the primary and see each other, and the other data
    /// server replicates from it, in sync.
    /// </summary>
    public Task WaitUntilHealthyAsync(TimeSpan within) => Eventually.HoldsAsync(IsHealthyAsync, within, "the Sentinel setup did not become healthy");

    private async Task<bool> IsHealthyAsync()
    {
        if (DataServers.Concat(Sentinels).Any(static s => !s.IsRunning))
        {
            return false;
        }

        var primary = await PrimaryAsync().ConfigureAwait(false);
        foreach (var sentinel in Sentinels)
        {
            var master = await RunOnSentinelAsync(sentinel, "SENTINEL", "MASTER", ServiceName).ConfigureAwait(false);
            var fields = master.Split('\n', StringSplitOptions.TrimEntries);
            string Field(string name) => fields[Array.IndexOf(fields, name) + 1];
            if (Field("num-other-sentinels") != "2" || Field("num-slaves") != "1" || Field("flags") != "master" || int.Parse(Field("port"), CultureInfo.InvariantCulture) != (_tlsPorts[primary] ?? primary.Port))
            {
                return false;
            }
        }

        var replica = DataServers.Single(s => s != primary);
        var replication = RedisCommandLine.ParseInfo(await RedisCommandLine.RunAsync(replica.Port, "INFO", "replication").ConfigureAwait(false));
        var primaryReplication = RedisCommandLine.ParseInfo(await RedisCommandLine.RunAsync(primary.Port, "INFO", "replication").ConfigureAwait(false));
        return replication.GetValueOrDefault("master_link_status") == "up" && primaryReplication.GetValueOrDefault("connected_slaves") == "1";
    }

    private async Task<RedisServer> StartDataServerAsync(RedisServer? replicaOf)
    {
        var tlsPort = Security.NextTlsPort();

        // A directory of its own: a replica's full sync writes dump.rdb there.
        var directory = Directory.CreateDirectory(Path.Combine(_directory, $"data-{DataServers.Count}")).FullName;
        var arguments = $"--dir {directory} " + Security.DataServerArguments(tlsPort, cluster: false);
        if (replicaOf is not null)
        {
            // Over TLS when it is on (tls-replication): the primary's TLS port.
            arguments += string.Create(CultureInfo.InvariantCulture, $" --replicaof 127.0.0.1 {_tlsPorts[replicaOf] ?? replicaOf.Port}");
        }

        var server = await RedisServer.StartAsync(extraArgs: arguments).ConfigureAwait(false);
        _tlsPorts[server] = tlsPort;
        DataServers.Add(server);
        return server;
    }

    private async Task StartSentinelAsync(RedisServer primary, int index)
    {
        var tlsPort = Security.NextTlsPort();
        var config = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"sentinel monitor {ServiceName} 127.0.0.1 {_tlsPorts[primary] ?? primary.Port} 2\n")
            .Append(CultureInfo.InvariantCulture, $"sentinel down-after-milliseconds {ServiceName} {(int)DownAfter.TotalMilliseconds}\n")
            .Append(CultureInfo.InvariantCulture, $"sentinel failover-timeout {ServiceName} 10000\n")
            .Append(CultureInfo.InvariantCulture, $"sentinel parallel-syncs {ServiceName} 1\n");
        if (Security.SentinelPassword is { } password)
        {
            // The sentinels' own password, which they also present to each other.
            config.Append(CultureInfo.InvariantCulture, $"requirepass {password}\nsentinel sentinel-pass {password}\n");
        }

        var path = Path.Combine(_directory, $"sentinel-{index}.conf");
        await File.WriteAllTextAsync(path, config.ToString()).ConfigureAwait(false);
        var server = await RedisServer.StartAsync(extraArgs: (Security.TlsArguments(tlsPort, cluster: false) + " --sentinel").Trim(), configFile: path).ConfigureAwait(false);
        _tlsPorts[server] = tlsPort;
        Sentinels.Add(server);
    }

    private Task<string> RunOnSentinelAsync(RedisServer sentinel, params string[] command) =>
        Security.SentinelPassword is { } password
            ? RedisCommandLine.RunAsync(["-h", "127.0.0.1", "-p", sentinel.Port.ToString(CultureInfo.InvariantCulture), "--no-auth-warning", "-a", password, .. command], TimeSpan.FromSeconds(10))
            : RedisCommandLine.RunAsync(sentinel.Port, command);

    public async ValueTask DisposeAsync()
    {
        foreach (var server in Sentinels.Concat(DataServers))
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // The janitor removes it once the test process is gone.
        }
    }
}
