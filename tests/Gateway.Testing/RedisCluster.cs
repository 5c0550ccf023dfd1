using System.Globalization;

namespace Gateway.Testing;

/// <summary>
/// A real Redis Cluster on loopback: <c>redis-server</c> processes in cluster mode on free ports (client port and
/// cluster-bus port both chosen here), joined with <c>redis-cli --cluster create</c>: primaries owning the 16384 hash
/// slots, each with its replicas. Failure detection is fast (node timeout 1 s) and a replica always stands for
/// election however long it was cut off, so a killed primary is replaced within seconds. Every process dies with the
/// test process (<see cref="ProcessJanitor"/>); the nodes' config files live in a temporary directory removed on
/// dispose.
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    private readonly string _directory;
    private readonly Dictionary<RedisServer, int?> _tlsPorts;
    private readonly int _replicasPerPrimary;

    private RedisCluster(string directory, Dictionary<RedisServer, int?> tlsPorts, int primaries, int replicasPerPrimary, RedisTestSecurity security)
    {
        _directory = directory;
        _tlsPorts = tlsPorts;
        Primaries = primaries;
        _replicasPerPrimary = replicasPerPrimary;
        Security = security;
        Nodes = [.. tlsPorts.Keys];
    }

    /// <summary>Every node, primaries first as created (a failover changes which is which: ask <see cref="PrimaryForAsync"/>).</summary>
    public IReadOnlyList<RedisServer> Nodes { get; }

    public int Primaries { get; }

    public RedisTestSecurity Security { get; }

    /// <summary>Every node's client endpoint (the TLS port when TLS is on): the gateway's seed list.</summary>
    public IReadOnlyList<string> Seeds => [.. Nodes.Select(ClientEndpoint)];

    /// <summary>The cluster-node timeout: how long a silent node takes to be marked failing.</summary>
    public static TimeSpan NodeTimeout { get; } = TimeSpan.FromSeconds(1);

    /// <summary>Starts <paramref name="primaries"/> primaries with <paramref name="replicasPerPrimary"/> replicas each and waits until the cluster is healthy.</summary>
    public static async Task<RedisCluster> StartAsync(int primaries = 3, int replicasPerPrimary = 1, RedisTestSecurity? security = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(primaries, 3);
        security ??= new RedisTestSecurity();
        var directory = Directory.CreateTempSubdirectory("gateway-redis-cluster-").FullName;
        ProcessJanitor.AfterThisProcess("rm -rf \"$0\"", directory);
        var nodes = new Dictionary<RedisServer, int?>();
        try
        {
            var count = primaries * (1 + replicasPerPrimary);
            var starts = Enumerable.Range(0, count).Select(async i =>
            {
                var tlsPort = security.NextTlsPort();

                // A directory of its own: a replica's full sync writes dump.rdb there, which a server started later
                // in the same directory would load.
                var nodeDirectory = Directory.CreateDirectory(Path.Combine(directory, $"node-{i}")).FullName;
                var arguments = string.Create(CultureInfo.InvariantCulture,
                    $"--dir {nodeDirectory} --cluster-enabled yes --cluster-config-file nodes.conf --cluster-port {FreePort.Next()} ") +
                    string.Create(CultureInfo.InvariantCulture, $"--cluster-node-timeout {(int)NodeTimeout.TotalMilliseconds} --cluster-replica-validity-factor 0 ") +
                    "--cluster-allow-replica-migration no " + security.DataServerArguments(tlsPort, cluster: true);
                return (Server: await RedisServer.StartAsync(extraArgs: arguments).ConfigureAwait(false), TlsPort: tlsPort);
            }).ToList();
            foreach (var started in starts)
            {
                try
                {
                    var (server, tlsPort) = await started.ConfigureAwait(false);
                    nodes[server] = tlsPort;
                }
                catch (InvalidOperationException)
                {
                    // Collected below with the others' outcome: every started server is disposed.
                }
            }

            var cluster = new RedisCluster(directory, nodes, primaries, replicasPerPrimary, security);
            if (nodes.Count != count)
            {
                await cluster.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"Only {nodes.Count} of {count} cluster nodes started.");
            }

            try
            {
                await RedisCommandLine.RunAsync(
                    ["--cluster", "create", .. cluster.Nodes.Select(static n => n.Endpoint), "--cluster-replicas", replicasPerPrimary.ToString(CultureInfo.InvariantCulture), "--cluster-yes"],
                    TimeSpan.FromSeconds(60)).ConfigureAwait(false);
                await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
                return cluster;
            }
            catch
            {
                await cluster.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        catch
        {
            foreach (var node in nodes.Keys)
            {
                await node.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>The endpoint a client uses for <paramref name="node"/>: its TLS port when TLS is on.</summary>
    public string ClientEndpoint(RedisServer node) =>
        _tlsPorts[node] is { } tls ? string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{tls}") : node.Endpoint;

    /// <summary>The hash slot of <paramref name="key"/>, as the cluster computes it (<c>CLUSTER KEYSLOT</c>).</summary>
    public async Task<int> KeySlotAsync(string key) =>
        int.Parse((await RedisCommandLine.RunAsync(AnyRunning().Port, "CLUSTER", "KEYSLOT", key).ConfigureAwait(false)).Trim(), CultureInfo.InvariantCulture);

    /// <summary>The node that serves <paramref name="key"/>'s hash slot now, as a running node sees it.</summary>
    public async Task<RedisServer> PrimaryForAsync(string key)
    {
        var slot = await KeySlotAsync(key).ConfigureAwait(false);
        var view = await ViewAsync(AnyRunning()).ConfigureAwait(false);
        var owner = view.Single(n => n.IsPrimary && n.Owns(slot));
        return NodeAt(owner.Port);
    }

    /// <summary>The replicas of <paramref name="primary"/>, as a running node sees them.</summary>
    public async Task<IReadOnlyList<RedisServer>> ReplicasOfAsync(RedisServer primary)
    {
        var view = await ViewAsync(AnyRunning()).ConfigureAwait(false);
        var id = view.Single(n => n.Port == primary.Port).Id;
        return [.. view.Where(n => n.PrimaryId == id).Select(n => NodeAt(n.Port))];
    }

    /// <summary>Waits until a node other than <paramref name="former"/> serves <paramref name="key"/>'s slot and the cluster is ok again; returns it.</summary>
    public async Task<RedisServer> WaitForPromotionAsync(string key, RedisServer former, TimeSpan within)
    {
        var slot = await KeySlotAsync(key).ConfigureAwait(false);
        RedisServer? promoted = null;
        await Eventually.HoldsAsync(async () =>
        {
            foreach (var node in Nodes.Where(static n => n.IsRunning))
            {
                var view = await ViewAsync(node).ConfigureAwait(false);
                var owner = view.SingleOrDefault(n => n.IsPrimary && !n.Failing && n.Owns(slot));
                if (owner is null || owner.Port == former.Port || !await IsStateOkAsync(node).ConfigureAwait(false))
                {
                    return false;
                }

                promoted = NodeAt(owner.Port);
            }

            return true;
        }, within, $"no replica was promoted for slot {slot} within {within.TotalSeconds:0} s").ConfigureAwait(false);
        return promoted!;
    }

    /// <summary>
    /// Waits until every node runs, agrees the cluster is ok, every slot has a primary not marked failing, and every
    /// primary has its replicas connected and in sync (a write can be acknowledged by them: <c>WAIT</c>).
    /// </summary>
    public Task WaitUntilHealthyAsync(TimeSpan within) => Eventually.HoldsAsync(IsHealthyAsync, within, "the cluster did not become healthy");

    private async Task<bool> IsHealthyAsync()
    {
        if (Nodes.Any(static n => !n.IsRunning))
        {
            return false;
        }

        foreach (var node in Nodes)
        {
            var info = RedisCommandLine.ParseInfo(await RedisCommandLine.RunAsync(node.Port, "CLUSTER", "INFO").ConfigureAwait(false));
            if (info.GetValueOrDefault("cluster_state") != "ok" || info.GetValueOrDefault("cluster_known_nodes") != Nodes.Count.ToString(CultureInfo.InvariantCulture))
            {
                return false;
            }
        }

        var view = await ViewAsync(Nodes[0]).ConfigureAwait(false);
        if (view.Any(static n => n.Failing) || view.Where(static n => n.IsPrimary).Sum(static n => n.SlotCount) != 16384)
        {
            return false;
        }

        foreach (var primary in view.Where(static n => n.IsPrimary && n.SlotCount > 0))
        {
            var replication = RedisCommandLine.ParseInfo(await RedisCommandLine.RunAsync(primary.Port, "INFO", "replication").ConfigureAwait(false));
            if (replication.GetValueOrDefault("connected_slaves") != _replicasPerPrimary.ToString(CultureInfo.InvariantCulture))
            {
                return false;
            }
        }

        foreach (var replica in view.Where(static n => !n.IsPrimary))
        {
            var replication = RedisCommandLine.ParseInfo(await RedisCommandLine.RunAsync(replica.Port, "INFO", "replication").ConfigureAwait(false));
            if (replication.GetValueOrDefault("master_link_status") != "up")
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<bool> IsStateOkAsync(RedisServer node) =>
        RedisCommandLine.ParseInfo(await RedisCommandLine.RunAsync(node.Port, "CLUSTER", "INFO").ConfigureAwait(false)).GetValueOrDefault("cluster_state") == "ok";

    private RedisServer AnyRunning() => Nodes.FirstOrDefault(static n => n.IsRunning) ?? throw new InvalidOperationException("No cluster node is running.");

    private RedisServer NodeAt(int port) =>
        Nodes.SingleOrDefault(n => n.Port == port || _tlsPorts[n] == port) ?? throw new InvalidOperationException($"No node of this cluster listens on {port}.");

    // CLUSTER NODES: "<id> <ip:port@bus> <flags> <primary id or -> <ping> <pong> <epoch> <link> <slot ranges...>".
    private static async Task<IReadOnlyList<NodeView>> ViewAsync(RedisServer node)
    {
        var text = await RedisCommandLine.RunAsync(node.Port, "CLUSTER", "NODES").ConfigureAwait(false);
        var nodes = new List<NodeView>();
        foreach (var line in text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            var address = fields[1].Split('@')[0];
            var port = int.Parse(address[(address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
            var flags = fields[2].Split(',');
            var slots = fields.Skip(8).Where(static s => !s.StartsWith('[')).Select(static range =>
            {
                var dash = range.IndexOf('-', StringComparison.Ordinal);
                return dash < 0
                    ? (From: int.Parse(range, CultureInfo.InvariantCulture), To: int.Parse(range, CultureInfo.InvariantCulture))
                    : (From: int.Parse(range[..dash], CultureInfo.InvariantCulture), To: int.Parse(range[(dash + 1)..], CultureInfo.InvariantCulture));
            }).ToList();
            nodes.Add(new NodeView(fields[0], port, flags.Contains("master"), fields[3] == "-" ? null : fields[3], flags.Contains("fail") || flags.Contains("fail?"), slots));
        }

        return nodes;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync().ConfigureAwait(false);
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

    private sealed record NodeView(string Id, int Port, bool IsPrimary, string? PrimaryId, bool Failing, IReadOnlyList<(int From, int To)> Slots)
    {
        public int SlotCount => Slots.Sum(static s => s.To - s.From + 1);

        public bool Owns(int slot) => Slots.Any(s => s.From <= slot && slot <= s.To);
    }
}
