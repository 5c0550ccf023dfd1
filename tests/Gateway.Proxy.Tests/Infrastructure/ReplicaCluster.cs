using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> and one or more real gateway replicas (each on its own Kestrel port,
/// with its own data directory) sharing it in Redis mode, as a production deployment runs them: same
/// bundle, same keys, one store. Short store timeouts keep fault tests fast.
/// </summary>
public sealed class ReplicaCluster : IAsyncDisposable
{
    /// <summary>The bootstrap admin bearer token; the gateways know only its SHA-256.</summary>
    public const string AdminToken = "replica-tests-bootstrap-admin-token-0123456789";

    private readonly List<string> _dataDirectories = [];
    private readonly List<HttpClient> _adminClients = [];

    private ReplicaCluster(RedisServer redis, DemoBundle bundle)
    {
        Redis = redis;
        Bundle = bundle;
    }

    public RedisServer Redis { get; }

    public DemoBundle Bundle { get; }

    public List<GatewayHost> Gateways { get; } = [];

    public GatewayHost this[int index] => Gateways[index];

    /// <summary>Store timeouts for fault tests: a dead or hung Redis is noticed within half a second.</summary>
    public static readonly TimeSpan FaultTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Store timeouts for tests where Redis stays healthy. Every replica runs in the test process, next
    /// to other test classes starting gateways; a scheduling stall longer than a 0.5 s command timeout
    /// would fail a pipelined burst as store_unavailable, which is the fault tests' subject, not these.
    /// </summary>
    public static readonly TimeSpan HealthyTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The audit replica id of gateway <paramref name="index"/>: each replica appends to its own chain per tenant.</summary>
    public static string ReplicaId(int index) => "replica-" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The store settings every replica gets (the given timeouts, fast reconnects).</summary>
    public static Dictionary<string, string?> StoreSettings(string endpoint, TimeSpan? timeout = null) => new()
    {
        ["Gateway:Store:Kind"] = "redis",
        ["Gateway:Store:Redis:Endpoint"] = endpoint,
        ["Gateway:Store:Redis:CommandTimeout"] = (timeout ?? HealthyTimeout).ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        ["Gateway:Store:Redis:ConnectTimeout"] = (timeout ?? HealthyTimeout).ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        ["Gateway:Store:Redis:ReconnectMinBackoff"] = "00:00:00.02",
        ["Gateway:Store:Redis:ReconnectMaxBackoff"] = "00:00:00.2",
    };

    /// <summary>
    /// Starts Redis, copies the demo bundle (upstream URL prefixes rewritten, then
    /// <paramref name="rewrite"/> applied before any replica reads it) and starts <paramref name="replicas"/> gateways, each
    /// builder given to <paramref name="configure"/> with the replica's index first.
    /// </summary>
    public static async Task<ReplicaCluster> StartAsync(
        int replicas,
        IReadOnlyDictionary<string, string>? upstreams = null,
        Func<string, string>? rewrite = null,
        TimeSpan? storeTimeout = null,
        Action<int, Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure = null)
    {
        // The bundle first: if it cannot be copied, no redis-server has been started to leak.
        var bundle = DemoBundle.Create(upstreams);
        RedisServer redis;
        try
        {
            redis = await RedisServer.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            bundle.Dispose();
            throw;
        }

        var cluster = new ReplicaCluster(redis, bundle);
        try
        {
            if (rewrite is not null)
            {
                bundle.Rewrite(rewrite);
            }

            // Replicas of one deployment share their keys (the vault, decision tokens and service
            // signatures must verify on every replica); each key differs from the others.
            var keys = new Dictionary<string, string?>
            {
                ["DATA_ENCRYPTION_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["DECISION_SIGNING_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["GATEWAY_SERVICE_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            };
            // As behind one load balancer: every replica takes a request whose Host names any replica of the deployment (the
            // public origin, unset in Development, is then that Host: a request signed for one replica verifies on another).
            var addresses = Enumerable.Range(0, replicas).Select(_ => "127.0.0.1:" + FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            for (var i = 0; i < replicas; i++)
            {
                var dataDirectory = Path.Combine(Path.GetTempPath(), "gw-replica-" + Guid.NewGuid().ToString("N"));
                cluster._dataDirectories.Add(dataDirectory);
                var settings = StoreSettings(redis.Endpoint, storeTimeout);
                settings["Gateway:DataDirectory"] = dataDirectory;
                settings["Gateway:Audit:ReplicaId"] = ReplicaId(i);
                settings["urls"] = "http://" + addresses[i];
                for (var j = 0; j < replicas; j++)
                {
                    settings["Gateway:AccessTokens:AllowedHosts:" + j.ToString(System.Globalization.CultureInfo.InvariantCulture)] = addresses[j];
                }

                settings["Gateway:Admin:BootstrapTokenSha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(AdminToken)));
                foreach (var key in keys)
                {
                    settings[key.Key] = key.Value;
                }

                var index = i;
                var gateway = await GatewayHost.StartAsync(bundle.Directory, settings, configure is null ? null : builder => configure(index, builder)).ConfigureAwait(false);
                cluster.Gateways.Add(gateway);

                await WaitUntilReadyAsync(gateway, i).ConfigureAwait(false);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Polls <c>/readyz</c> until the replica is ready (store connected, policy loaded), as a load
    /// balancer would before sending traffic; this also warms the store connection without spending a
    /// nonce, a rate-limit slot or an audit record.
    /// </summary>
    public static async Task WaitUntilReadyAsync(GatewayHost gateway, int index, TimeSpan? within = null)
    {
        var last = string.Empty;
        await Gateway.Testing.Eventually.HoldsAsync(async () =>
        {
            using var ready = await gateway.Client.GetAsync("/readyz").ConfigureAwait(false);
            last = $"{(int)ready.StatusCode} {await ready.Content.ReadAsStringAsync().ConfigureAwait(false)}";
            return ready.IsSuccessStatusCode;
        }, within ?? TimeSpan.FromSeconds(10), () => $"Replica {index} did not become ready: {last}").ConfigureAwait(false);
    }

    /// <summary>The redis-server's process id (from INFO), for fault injection by signal.</summary>
    public async Task<int> RedisProcessIdAsync()
    {
        var info = await RedisCli.RunAsync(Redis.Port, "INFO", "server").ConfigureAwait(false);
        var line = info.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("process_id:", StringComparison.Ordinal));
        return int.Parse(line["process_id:".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The demo agent, signing for replica <paramref name="index"/>.</summary>
    public AgentClient Agent(int index) => new(Gateways[index].Client, Bundle.AgentSecret);

    /// <summary>A client for replica <paramref name="index"/>'s admin API, authenticated with the bootstrap token.</summary>
    public HttpClient Admin(int index)
    {
        var client = new HttpClient { BaseAddress = Gateways[index].BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        _adminClients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _adminClients)
        {
            client.Dispose();
        }

        foreach (var gateway in Gateways)
        {
            await gateway.DisposeAsync().ConfigureAwait(false);
        }

        await Redis.DisposeAsync().ConfigureAwait(false);
        Bundle.Dispose();
        foreach (var directory in _dataDirectories)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
