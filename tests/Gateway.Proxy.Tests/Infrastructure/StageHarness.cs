using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Audit;
using Gateway.Policy;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Routing;
using Gateway.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// Builds stages one at a time, outside any host: the gateway's own registrations (<see cref="GatewayApplication.AddGatewayCore"/>)
/// over an in-memory configuration (the embedded <c>InMemoryStateStore</c>, the audit journal on it, a small bundle loaded
/// into <see cref="PolicyProvider"/>), a stage made by <see cref="ActivatorUtilities"/> from them (so a constructor that
/// changes needs no change here), and requests as <see cref="DefaultHttpContext"/>s carrying the Authenticate stage's
/// record and the YARP route of a route kind. <see cref="WalkAsync"/> runs the real stages before the one under test, so a
/// test starts from the records they add.
/// </summary>
internal sealed class StageHarness : IAsyncDisposable
{
    /// <summary>The test tenant, its workspace and its agent.</summary>
    public const string Tenant = "t1";

    public const string Workspace = "w";

    public const string Agent = "a";

    /// <summary>
    /// A small tenant: <c>read</c> needs no credential and is allowed, <c>write</c> needs a vault credential nobody stored,
    /// <c>frozen</c> is blocked by a rule.
    /// </summary>
    public const string DefaultBundle = """
        tenant: t1
        workspaces: [w]
        approvers: [{ id: bob }]
        catalog:
          - { name: read, kind: http, action_type: read, upstream: "http://127.0.0.1:1/r", credential: none, data_classes: [internal] }
          - { name: write, kind: http, action_type: read, upstream: "http://127.0.0.1:1/w", credential: "vault:write-key", data_classes: [internal] }
          - { name: frozen, kind: http, action_type: read, upstream: "http://127.0.0.1:1/f", credential: none, data_classes: [internal] }
        agents:
          - id: a
            human_owner: h@example.com
            security_owner: bob
            atf_level: L3
            playbooks: [prompt_injection, unauthorised_external_action, rogue_agent]
            permissions: [{ tool: read }, { tool: write }, { tool: frozen }]
        rules:
          - { id: frozen-tool, match: { tools: [frozen] }, effect: block, reason: frozen }
        """;

    /// <summary>The route kinds of the native routes and of <c>/mcp</c>'s governed calls (their names in a route's metadata).</summary>
    public const string InvokeTool = "InvokeTool";

    public const string Evaluate = "Evaluate";

    // The one place the walk's stages are made, in request order (Respond wraps them): each from the gateway's services and
    // the stage after it.
    private static readonly (GatewayStage Stage, Func<IServiceProvider, RequestDelegate, RequestDelegate> Make)[] Stages =
    [
        (GatewayStage.Describe, static (services, next) => ActivatorUtilities.CreateInstance<DescribeStage>(services, next).InvokeAsync),
        (GatewayStage.Admit, static (services, next) => ActivatorUtilities.CreateInstance<AdmitStage>(services, next).InvokeAsync),
        (GatewayStage.Decide, static (services, next) => ActivatorUtilities.CreateInstance<DecideStage>(services, next).InvokeAsync),
        (GatewayStage.Record, static (services, next) => ActivatorUtilities.CreateInstance<RecordStage>(services, next).InvokeAsync),
        (GatewayStage.Enforce, static (services, next) => ActivatorUtilities.CreateInstance<EnforceStage>(services, next).InvokeAsync),
        (GatewayStage.Forward, static (services, next) => ActivatorUtilities.CreateInstance<ForwardStage>(services, next).InvokeAsync),
    ];

    private readonly ServiceProvider _services;
    private readonly string _directory;

    private StageHarness(ServiceProvider services, string directory)
    {
        _services = services;
        _directory = directory;
    }

    /// <summary>The gateway's services, as registered by <see cref="GatewayApplication.AddGatewayCore"/>.</summary>
    public IServiceProvider Services => _services;

    /// <summary>
    /// The gateway's services over <paramref name="bundle"/> (one tenant file); <paramref name="replace"/> changes the
    /// registrations after the gateway's own (a failing journal, a connector's cluster in service, a route kind's services).
    /// </summary>
    public static async Task<StageHarness> StartAsync(string bundle = DefaultBundle, Action<IServiceCollection>? replace = null)
    {
        var directory = Directory.CreateTempSubdirectory("stage-harness-").FullName;
        var bundleDirectory = Directory.CreateDirectory(Path.Combine(directory, "bundle")).FullName;
        await File.WriteAllTextAsync(Path.Combine(bundleDirectory, Tenant + ".yaml"), bundle);
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Policy:BundlePath"] = bundleDirectory,
            ["Gateway:DataDirectory"] = Path.Combine(directory, "data"),

            // The embedded store without its journal file, and the audit journal on it.
            ["Gateway:Store:Memory:Directory"] = string.Empty,
            ["Gateway:Audit:Sink"] = "store",
            ["Gateway:Audit:ChainsPerReplica"] = "1",
            ["Gateway:Receipts:AllowEphemeralKeys"] = "true",
            ["DATA_ENCRYPTION_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["DECISION_SIGNING_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["GATEWAY_SERVICE_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        });
        var environment = new HostingEnvironment
        {
            EnvironmentName = Environments.Development,
            ApplicationName = typeof(GatewayApplication).Assembly.GetName().Name!,
            ContentRootPath = directory,
            ContentRootFileProvider = new NullFileProvider(),
        };
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<IHostEnvironment>(environment);
        services.AddLogging();
        services.AddGatewayCore(configuration, environment);
        replace?.Invoke(services);
        var provider = services.BuildServiceProvider();
        var harness = new StageHarness(provider, directory);
        try
        {
            var errors = await provider.GetRequiredService<PolicyProvider>().ReloadAsync();
            Assert.Empty(errors);
            return harness;
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    /// <summary>Registers a YARP state where every connector's route and cluster is in service (what YARP holds once the bundle's routes are loaded).</summary>
    public static void ClustersInService(IServiceCollection services) =>
        services.Replace(ServiceDescriptor.Singleton<IProxyStateLookup, ProxyStateInService>());

    /// <summary>Registers an audit sink that cannot take a record (its directory gone, its store unreachable).</summary>
    public static void JournalFails(IServiceCollection services) =>
        services.Replace(ServiceDescriptor.Singleton<IAuditStore, FailingAuditStore>());

    /// <summary>An agent identity of the test tenant, with a nonce of its own.</summary>
    public static AgentIdentity Identity() =>
        new(new AuthenticatedCaller(Tenant, Workspace, Agent), Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    /// <summary>
    /// A request on a route of <paramref name="kind"/>: its body, the Authenticate stage's record (<paramref name="identity"/>
    /// and the body), the matched YARP route naming the kind, and a response body that can be read back.
    /// </summary>
    public HttpContext Request(string kind, string body, AgentIdentity? identity = null, string path = "/v1/actions/invoke-tool", string contentType = "application/json")
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var context = new DefaultHttpContext { RequestServices = _services };
        context.Request.Method = HttpMethods.Post;
        context.Request.Path = path;
        context.Request.ContentType = contentType;
        context.Request.ContentLength = bytes.Length;
        context.Request.Body = new MemoryStream(bytes, writable: false);
        context.Response.Body = new MemoryStream();
        var feature = new GatewayRequestFeature("req-" + Guid.NewGuid().ToString("N")[..12]);
        context.Features.Set(feature);
        context.TraceIdentifier = feature.RequestId;
        context.Features.Set<IReverseProxyFeature>(new ReverseProxyFeature { Route = new RouteModel(Route(kind), null, HttpTransformer.Empty) });
        feature.Add(new AuthenticatedRequest(identity ?? Identity(), bytes));
        return context;
    }

    /// <summary>A YARP route of the gateway's shape naming <paramref name="kind"/> in its metadata.</summary>
    public static RouteConfig Route(string kind) => new()
    {
        RouteId = "stage-test-" + kind,
        ClusterId = ConnectorClusters.UnassignedCluster,
        Match = new RouteMatch { Path = "/{**any}" },
        Metadata = new Dictionary<string, string> { [GatewayRouteKinds.MetadataKey] = kind },
    };

    /// <summary>The stage, made from the gateway's services with <paramref name="next"/> after it.</summary>
    public TStage Create<TStage>(RequestDelegate next)
        where TStage : class => ActivatorUtilities.CreateInstance<TStage>(_services, next);

    /// <summary>The real stages from <paramref name="from"/> up to (not including) <paramref name="until"/>, with <paramref name="next"/> after them.</summary>
    public RequestDelegate Walk(GatewayStage from, GatewayStage until, RequestDelegate next)
    {
        for (var i = Stages.Length - 1; i >= 0; i--)
        {
            if (Stages[i].Stage >= from && Stages[i].Stage < until)
            {
                next = Stages[i].Make(_services, next);
            }
        }

        return next;
    }

    /// <summary>Walks the request through the real stages before <paramref name="until"/>; fails unless each went on to the next.</summary>
    public async Task WalkAsync(HttpContext context, GatewayStage until)
    {
        var reached = new NextProbe();
        await Walk(GatewayStage.Authenticate, until, reached.Next)(context);
        Assert.True(reached.Called, $"The walk stopped before {until}: {context.Features.Get<GatewayRequestFeature>()?.Find<Refusal>()}");
    }

    /// <summary>
    /// A request on a route of <paramref name="kind"/> walked through the real stages before <paramref name="stage"/>, then
    /// through <paramref name="stage"/> alone (made as <see cref="Create{TStage}"/> makes it): the request, and whether the stage went on.
    /// </summary>
    public async Task<(HttpContext Context, bool WentOn)> RunAsync(GatewayStage stage, string body, string kind = InvokeTool, AgentIdentity? identity = null, string path = "/v1/actions/invoke-tool")
    {
        var context = Request(kind, body, identity, path);
        await WalkAsync(context, stage);
        var next = new NextProbe();
        await Walk(stage, stage + 1, next.Next)(context);
        return (context, next.Called);
    }

    /// <summary>The refusal the request carries, with <paramref name="status"/> and <paramref name="code"/>; and no <typeparamref name="TRecord"/> beside it.</summary>
    public static Refusal AssertRefused<TRecord>(HttpContext context, int status, string code)
        where TRecord : class
    {
        var feature = context.Features.Get<GatewayRequestFeature>()!;
        var refusal = feature.Find<Refusal>();
        Assert.NotNull(refusal);
        Assert.Equal((status, code), (refusal.Status, refusal.Code));
        Assert.Null(feature.Find<TRecord>());
        return refusal;
    }

    /// <summary>The record the request carries (and no refusal beside it).</summary>
    public static TRecord AssertAdded<TRecord>(HttpContext context)
        where TRecord : class
    {
        var feature = context.Features.Get<GatewayRequestFeature>()!;
        Assert.Null(feature.Find<Refusal>());
        var record = feature.Find<TRecord>();
        Assert.NotNull(record);
        return record;
    }

    /// <summary>The audit records of the test tenant, as the journal reads them back.</summary>
    public async Task<IReadOnlyList<JsonElement>> AuditAsync() =>
        await _services.GetRequiredService<AuditJournal>().ReadAsync(Tenant, 0, 1000);

    /// <summary>The response written, as JSON.</summary>
    public static JsonElement ResponseJson(HttpContext context)
    {
        var body = (MemoryStream)context.Response.Body;
        return JsonDocument.Parse(body.ToArray()).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Stands after a stage: whether the stage went on.</summary>
    public sealed class NextProbe
    {
        public bool Called { get; private set; }

        public Task Next(HttpContext context)
        {
            Called = true;
            return Task.CompletedTask;
        }
    }

    /// <summary>Every connector's route and cluster in service, as YARP holds them once the bundle's routes are loaded.</summary>
    private sealed class ProxyStateInService : IProxyStateLookup
    {
        public bool TryGetRoute(string id, out RouteModel route)
        {
            route = new RouteModel(new RouteConfig { RouteId = id, ClusterId = id }, null, HttpTransformer.Empty);
            return true;
        }

        public IEnumerable<RouteModel> GetRoutes() => [];

        public bool TryGetCluster(string id, out ClusterState cluster)
        {
            cluster = new ClusterState(id);
            return true;
        }

        public IEnumerable<ClusterState> GetClusters() => [];
    }

    /// <summary>An audit sink that cannot take a record (its directory gone, its store unreachable).</summary>
    private sealed class FailingAuditStore : IAuditStore
    {
        public ValueTask<AuditTip> GetTipAsync(AuditPartition partition, CancellationToken cancellationToken = default) => throw Unavailable();

        public ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default) => throw Unavailable();

        public ValueTask<IReadOnlyList<AuditReceiptBatch>> ReadReceiptBatchesAsync(AuditPartition partition, long fromSeq, long toSeq, CancellationToken cancellationToken = default) => throw Unavailable();

        public ValueTask<string?> GetExplanationAsync(string tenant, string digest, CancellationToken cancellationToken = default) => throw Unavailable();

        public IAsyncEnumerable<string> ReadAsync(AuditPartition partition, long start, CancellationToken cancellationToken = default) => throw Unavailable();

        public ValueTask<IReadOnlyList<string>> ListReplicasAsync(string tenant, CancellationToken cancellationToken = default) => throw Unavailable();

        public ValueTask ProbeAsync(CancellationToken cancellationToken = default) => throw Unavailable();

        private static IOException Unavailable() => new("The audit sink is unavailable.");
    }
}
