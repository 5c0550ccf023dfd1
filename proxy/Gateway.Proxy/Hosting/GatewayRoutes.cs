using Gateway.Proxy.Bundle;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Respond;
using Gateway.Proxy.Routing;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// The route kinds of the agent routes that forward to a connector, each registered with its YARP route, its describer and
/// its responder (<see cref="RouteKindServiceCollectionExtensions.AddRouteKind{TDescriber, TResponder}"/>). Every route starts on
/// <see cref="ConnectorClusters.UnassignedCluster"/> and carries no transform of the gateway's: the pipeline's Enforce
/// stage moves a decided request onto its connector's route and cluster (<see cref="ConnectorRoutes"/>), whose transforms
/// send it, so a request that was not decided has nowhere to go (the unassigned cluster has no destinations).
/// </summary>
internal static class GatewayRoutes
{
    /// <summary>Registers the forwarding route kinds and what their responders share.</summary>
    public static IServiceCollection AddGatewayRoutes(this IServiceCollection services)
    {
        services.AddSingleton<OutcomeRecorder>();
        services.AddSingleton<ReservationSettler>();
        services.AddRouteKind<EnvelopeResponder>(Post("gamut-evaluate", "/v1/evaluate", "Evaluate"), static sp => EnvelopeRoutes.Evaluate(sp.GetRequiredService<PolicyProvider>()));
        services.AddRouteKind<EnvelopeResponder>(Post("gamut-invoke-tool", "/v1/actions/invoke-tool", "InvokeTool"), static sp => EnvelopeRoutes.InvokeTool(sp.GetRequiredService<PolicyProvider>()));
        services.AddRouteKind<EnvelopeResponder>(Post("gamut-model", "/v1/actions/model", "Model"), static sp => EnvelopeRoutes.Model(sp.GetRequiredService<PolicyProvider>()));
        services.AddRouteKind<EnvelopeResponder>(Post("gamut-context", "/v1/actions/context", "Context"), static sp => EnvelopeRoutes.Context(sp.GetRequiredService<PolicyProvider>()));
        services.AddRouteKind<EnvelopeResponder>(Post("gamut-writeback", "/v1/actions/writeback", "Writeback"), static sp => EnvelopeRoutes.Writeback(sp.GetRequiredService<PolicyProvider>()));

        services.AddRouteKind<A2aDescriber, A2aResponder>(Post("gamut-a2a", "/a2a/{connector}", A2aDescriber.Kind));
        services.AddRouteKind<ProviderDescriber, ProviderResponder>(Route("gamut-providers", "/providers/{connector}/{**path}", null, ProviderDescriber.Kind));
        return services;
    }

    /// <summary>A <c>POST</c> route of the kind <paramref name="kind"/>.</summary>
    public static RouteConfig Post(string id, string path, string kind) => Route(id, path, ["POST"], kind);

    /// <summary>A route of the kind <paramref name="kind"/> (any method when <paramref name="methods"/> is null).</summary>
    public static RouteConfig Route(string id, string path, string[]? methods, string kind) => new()
    {
        RouteId = id,
        ClusterId = ConnectorClusters.UnassignedCluster,

        Match = new RouteMatch { Path = path, Methods = methods },
        Metadata = new Dictionary<string, string> { [GatewayRouteKinds.MetadataKey] = kind },
        Transforms = [new Dictionary<string, string> { ["X-Forwarded"] = "Off" }],
    };
}
