using Gateway.Proxy.Pipeline;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.Tests.Architecture;

/// <summary>
/// What the compiled gateway does, read from its IL (<see cref="CompiledCallGraph"/>), not what its files are named:
/// only Respond answers an agent's request and only Record and Respond append to the audit chain — apart from the one
/// documented exception, Forward writing a streamed answer as it arrives (<see cref="Roots"/>) — and no stage
/// reads the route kind except to pick the kind's keyed describer, responder or local destination. Each rule is shown to
/// fail on a planted type that breaks it, the planted types compiled into this test assembly.
/// </summary>
public sealed class WalkBehaviourTests
{
    private const string Respond = "Gateway.Proxy.Respond";
    private const string Record = "Gateway.Proxy.Record";

    private const string Forward = "Gateway.Proxy.Forward";

    /// <summary>
    /// Where the walk's code starts: the stages before Respond, and the host (its middlewares and endpoint handlers). The
    /// shared folders are libraries: what they do counts where a root reaches it. Forward is a root for appending only:
    /// the one documented exception (docs/architecture.md, "The one exception") is that it writes a streamed answer to
    /// the client as it arrives (YARP's forwarder, the response transforms, the relays and local destinations that stream),
    /// while Respond completes it.
    /// </summary>
    private static readonly string[] Roots =
    [
        "Gateway.Proxy.Authenticate", "Gateway.Proxy.Describe", "Gateway.Proxy.Admit", "Gateway.Proxy.Decide", Record,
        "Gateway.Proxy.Enforce", "Gateway.Proxy.Hosting", "Gateway.Proxy",
    ];

    /// <summary>
    /// Code of the gateway that answers requests which are not agents' (the console, health, the OpenAPI document, the
    /// receipt keys, the framework's own error pages and headers on every response): outside the walk by design.
    /// </summary>
    private static readonly string[] NotAgentRequests =
    [
        "Gateway.Proxy.Console.",
        "Gateway.Proxy.Hosting.HealthEndpoints",
        "Gateway.Proxy.Hosting.RootEndpoints",
        "Gateway.Proxy.Hosting.OpenApiDocument",
        "Gateway.Proxy.Hosting.ReceiptKeysEndpoint",
        "Gateway.Proxy.Hosting.StrictTransportSecurity",
        "Gateway.Proxy.Hosting.TrustedProxyExtensions",
        "Gateway.Proxy.Telemetry.GatewayMetricsEndpoint",
        "Gateway.Proxy.Refusals.GatewayProblemDetailsWriter",
        "Gateway.Proxy.Pipeline.RequestIdMiddleware",
        "Gateway.Proxy.GatewayApplication",
    ];

    private static readonly Lazy<CompiledCallGraph> Gateway = new(() => CompiledCallGraph.Of(typeof(GatewayRouteKinds).Assembly));

    private static readonly Lazy<CompiledCallGraph> Planted = new(() => CompiledCallGraph.Of(typeof(WalkBehaviourTests).Assembly));

    [Fact]
    public void Gateway_AnswersOnlyFromRespond()
    {
        var found = Answering(Gateway.Value, static method => Roots.Contains(method.Namespace));

        Assert.True(found.Count == 0, string.Join('\n', found));
    }

    [Fact]
    public void Gateway_AppendsOnlyFromRecordAndRespond()
    {
        var found = Appending(Gateway.Value, static method => Roots.Contains(method.Namespace) || method.Namespace == Forward);

        Assert.True(found.Count == 0, string.Join('\n', found));
    }

    [Fact]
    public void Stages_ReadTheRouteKindOnlyToPickItsServices()
    {
        Assert.Empty(KindSwitching(Gateway.Value, static method => IsStage(method.Namespace)));
    }

    [Fact]
    public void Answering_PlantedStageWritingTheResponse_IsReported()
    {
        var found = Answering(Planted.Value, static method => method.Type.EndsWith(nameof(PlantedAnsweringStage), StringComparison.Ordinal));

        Assert.Contains(found, static line => line.Contains(nameof(PlantedAnsweringStage), StringComparison.Ordinal) && line.Contains("WriteAsync", StringComparison.Ordinal));
    }

    [Fact]
    public void Answering_PlantedStageAnsweringThroughASharedInterface_IsReported()
    {
        var found = Answering(Planted.Value, static method => method.Type.EndsWith(nameof(PlantedSideChannelStage), StringComparison.Ordinal));

        Assert.Contains(found, static line => line.Contains(nameof(PlantedSideChannelStage), StringComparison.Ordinal) && line.Contains("ExecuteAsync", StringComparison.Ordinal));
    }

    [Fact]
    public void Appending_PlantedStageAppendingARecord_IsReported()
    {
        var found = Appending(Planted.Value, static method => method.Type.EndsWith(nameof(PlantedAppendingStage), StringComparison.Ordinal));

        Assert.Contains(found, static line => line.Contains(nameof(PlantedAppendingStage), StringComparison.Ordinal) && line.Contains("AppendAsync", StringComparison.Ordinal));
    }

    [Fact]
    public void KindSwitching_PlantedStageComparingTheKind_IsReported()
    {
        var found = KindSwitching(Planted.Value, static method => method.Type.EndsWith(nameof(PlantedKindSwitchingStage), StringComparison.Ordinal));

        Assert.Contains(found, static line => line.Contains(nameof(PlantedKindSwitchingStage), StringComparison.Ordinal));
    }

    [Fact]
    public void KindSwitching_PlantedStageReadingTheRouteMetadata_IsReported()
    {
        var found = KindSwitching(Planted.Value, static method => method.Type.EndsWith(nameof(PlantedMetadataReadingStage), StringComparison.Ordinal));

        Assert.Contains(found, static line => line.Contains(nameof(PlantedMetadataReadingStage), StringComparison.Ordinal));
    }

    [Fact]
    public void KindSwitching_PlantedStagePickingTheKindsService_IsNotReported()
    {
        var found = KindSwitching(Planted.Value, static method => method.Type.EndsWith(nameof(PlantedKindPickingStage), StringComparison.Ordinal));

        Assert.Empty(found);
    }

    /// <summary>The methods <paramref name="isRoot"/> picks that answer the client (not through Forward's stream), with how.</summary>
    private static List<string> Answering(CompiledCallGraph graph, Func<CompiledCallGraph.Method, bool> isRoot) =>
        Violations(graph, method => isRoot(method) && !Excepted(method), AnswersTheClient, static method => method.Namespace is not (Respond or Forward) && !Excepted(method));

    /// <summary>The methods <paramref name="isRoot"/> picks that append to the audit chain (not through Record or Respond), with how.</summary>
    private static List<string> Appending(CompiledCallGraph graph, Func<CompiledCallGraph.Method, bool> isRoot) =>
        Violations(graph, method => isRoot(method) && method.Namespace != Record && !Excepted(method), AppendsARecord,
            static method => method.Namespace is not (Record or Respond) && !Excepted(method));

    /// <summary>The stage methods that read the route kind and compare it, rather than only pick the kind's keyed service.</summary>
    private static List<string> KindSwitching(CompiledCallGraph graph, Func<CompiledCallGraph.Method, bool> isStage)
    {
        var found = new List<string>();
        foreach (var method in graph.Methods.Where(isStage))
        {
            var calls = method.Callees;
            var readsKind = calls.Any(static callee => callee.Type == typeof(GatewayRouteKinds).FullName && callee.Name == nameof(GatewayRouteKinds.NameOf));
            var readsMetadata = calls.Any(static callee => callee.Type == typeof(RouteConfig).FullName && callee.Name == "get_Metadata");
            var picksService = calls.Any(static callee => callee.Name.Contains("KeyedService", StringComparison.Ordinal));
            var compares = calls.Any(static callee => callee is { Type: "System.String", Name: "op_Equality" or "op_Inequality" or "Equals" or "CompareOrdinal" }
                || callee.Name == "ComputeStringHash");
            if (readsMetadata || (readsKind && (compares || !picksService)))
            {
                found.Add(method.ToString());
            }
        }

        return found;
    }

    private static List<string> Violations(CompiledCallGraph graph, Func<CompiledCallGraph.Method, bool> isRoot, Func<CompiledCallGraph.Callee, bool> isTarget, Func<CompiledCallGraph.Method, bool> follow)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var root in graph.Methods.Where(isRoot))
        {
            foreach (var (callee, path) in graph.Reaches(root, isTarget, follow))
            {
                found.Add(string.Join(" → ", path) + " → " + callee);
            }
        }

        // One line per root type and primitive is enough to read.
        return found.GroupBy(static line => line.Split(" → ")[0].Split('.')[^2] + line.Split(" → ")[^1]).Select(static group => group.First()).ToList();
    }

    /// <summary>Writing the response: its status, headers or body, or an <c>IResult</c> executed on it.</summary>
    private static bool AnswersTheClient(CompiledCallGraph.Callee callee) => callee switch
    {
        { Type: "Microsoft.AspNetCore.Http.HttpResponse", Name: "set_StatusCode" or "get_Headers" or "get_BodyWriter" or "StartAsync" or "CompleteAsync" or "Redirect" or "OnStarting" } => true,
        { Type: "Microsoft.AspNetCore.Http.HttpResponseWritingExtensions" or "Microsoft.AspNetCore.Http.HttpResponseJsonExtensions" } => true,
        { Type: "Microsoft.AspNetCore.Http.IResult", Name: "ExecuteAsync" } => true,
        _ => callee.Type.StartsWith(Respond + ".", StringComparison.Ordinal),
    };

    /// <summary>Appending to the audit chain: the journal's or the chain writer's append, or Record's writer.</summary>
    private static bool AppendsARecord(CompiledCallGraph.Callee callee) =>
        callee.Type is "Gateway.Audit.AuditJournal" or "Gateway.Audit.AuditChainWriter" && callee.Name.StartsWith("Append", StringComparison.Ordinal)
        || callee.Type == Record + ".AuditRecorder" && callee.Name != ".ctor";

    private static bool Excepted(CompiledCallGraph.Method method) => NotAgentRequests.Any(prefix => method.Type.StartsWith(prefix, StringComparison.Ordinal));

    private static bool IsStage(string ns) =>
        ns is "Gateway.Proxy.Authenticate" or "Gateway.Proxy.Describe" or "Gateway.Proxy.Admit" or "Gateway.Proxy.Decide" or Record
            or "Gateway.Proxy.Enforce" or "Gateway.Proxy.Forward" or Respond;

    /// <summary>Planted: a stage that writes the response itself.</summary>
    private sealed class PlantedAnsweringStage
    {
        public static Task InvokeAsync(HttpContext context) => context.Response.WriteAsync("answered here");
    }

    /// <summary>Planted: a stage that answers through an interface of a shared folder, whose implementation writes.</summary>
    private sealed class PlantedSideChannelStage
    {
        public static Task InvokeAsync(HttpContext context, IPlantedSideChannel channel) => channel.AnswerAsync(context);
    }

    /// <summary>Planted: the shared interface a stage could hide an answer behind.</summary>
    private interface IPlantedSideChannel
    {
        Task AnswerAsync(HttpContext context);
    }

    /// <summary>Planted: the side channel's implementation.</summary>
    private sealed class PlantedSideChannel : IPlantedSideChannel
    {
        public Task AnswerAsync(HttpContext context) => Results.Ok().ExecuteAsync(context);
    }

    /// <summary>Planted: a stage that appends its own audit record.</summary>
    private sealed class PlantedAppendingStage
    {
        public static async Task InvokeAsync(Gateway.Audit.AuditJournal journal, Gateway.Audit.AuditEntry entry) =>
            await journal.AppendAsync(entry).ConfigureAwait(false);
    }

    /// <summary>Planted: a stage that branches on the route kind's name.</summary>
    private sealed class PlantedKindSwitchingStage
    {
        public static bool IsProvider(RouteConfig route) => GatewayRouteKinds.NameOf(route) == "Provider";
    }

    /// <summary>Planted: a stage that reads the route's metadata itself (the kind's key among it).</summary>
    private sealed class PlantedMetadataReadingStage
    {
        public static bool IsA2a(RouteConfig route) => route.Metadata?[GatewayRouteKinds.MetadataKey] == "A2a";
    }

    /// <summary>Planted: a stage that reads the kind only to pick the kind's keyed service, as the stages do.</summary>
    private sealed class PlantedKindPickingStage
    {
        public static object? Pick(IServiceProvider services, RouteConfig route) =>
            GatewayRouteKinds.NameOf(route) is { } kind ? services.GetKeyedService<IPlantedSideChannel>(kind) : null;
    }
}
