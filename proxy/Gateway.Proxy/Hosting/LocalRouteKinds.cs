using Gateway.Proxy.Describe;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Respond;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// The agent routes that forward nothing, each a YARP route kind with a local destination walked by the same stages as
/// every governed action: runs and run events, delegations, approval polls and remote agents' cards. Each brings its
/// describer (2-Describe), its local destination (7-Forward) and the responder that writes what it answered
/// (<see cref="LocalAnswerResponder"/>).
/// </summary>
internal static class LocalRouteKinds
{
    /// <summary>The route kind of <c>POST /v1/runs</c>.</summary>
    public const string Run = "Run";

    /// <summary>The route kind of <c>POST /v1/runs/{id}/events</c>.</summary>
    public const string RunEvent = "RunEvent";

    /// <summary>The route kind of <c>POST /v1/delegations</c>.</summary>
    public const string Delegation = "Delegation";

    /// <summary>The route kind of <c>GET /v1/approvals/{id}</c>.</summary>
    public const string ApprovalPoll = "ApprovalPoll";

    /// <summary>The route kind of <c>GET /a2a/{connector}/.well-known/agent-card.json</c>.</summary>
    public const string A2aCard = "A2aCard";

    public static IServiceCollection AddLocalRouteKinds(this IServiceCollection services) => services
        .AddRouteKind<RunStartDescriber, LocalAnswerResponder>(Route("gamut-runs", "/v1/runs", HttpMethods.Post, Run))
        .AddLocalDestination<RunStartDestination>(Run)
        .AddRouteKind<RunEventDescriber, LocalAnswerResponder>(Route("gamut-run-events", "/v1/runs/{id}/events", HttpMethods.Post, RunEvent))
        .AddLocalDestination<RunEventDestination>(RunEvent)
        .AddRouteKind<DelegationDescriber, LocalAnswerResponder>(Route("gamut-delegations", "/v1/delegations", HttpMethods.Post, Delegation))
        .AddLocalDestination<DelegationDestination>(Delegation)
        .AddRouteKind<ApprovalPollDescriber, LocalAnswerResponder>(Route("gamut-approval-polls", "/v1/approvals/{id}", HttpMethods.Get, ApprovalPoll))
        .AddLocalDestination<ApprovalPollDestination>(ApprovalPoll)
        .AddRouteKind<A2aCardDescriber, LocalAnswerResponder>(Route("gamut-a2a-cards", "/a2a/{connector}/.well-known/agent-card.json", HttpMethods.Get, A2aCard))
        .AddLocalDestination<A2aCardDestination>(A2aCard);

    /// <summary>A route of the kind <paramref name="kind"/> (never forwarded: it stays on the unassigned cluster).</summary>
    private static RouteConfig Route(string id, string path, string method, string kind) => GatewayRoutes.Route(id, path, [method], kind);
}
