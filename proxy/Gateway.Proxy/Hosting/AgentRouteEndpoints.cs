using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// Maps the agent routes that forward nothing: the approval poll, delegations, runs and run events. Each walks the stages
/// through <see cref="AgentRouteWalk"/> (its handler decides); the governed actions are YARP routes (<see cref="GatewayRoutes"/>).
/// </summary>
internal static class AgentRouteEndpoints
{
    public static IEndpointRouteBuilder MapRunsDelegationsAndApprovalPolls(this IEndpointRouteBuilder endpoints)
    {
        endpoints = endpoints.MapGroup(string.Empty).RequireAgentSignature();
        endpoints.MapGet("/v1/approvals/{id}", static (HttpContext context, string id, ApprovalPollHandler handler) => handler.HandleAsync(context, id))
            .AddEndpointFilter(new AgentRouteWalk(AgentRouteKind.ApprovalPoll));
        endpoints.MapPost("/v1/delegations", static (HttpContext context, DelegationHandler handler) => handler.HandleAsync(context))
            .AddEndpointFilter(new AgentRouteWalk(AgentRouteKind.Delegation));
        endpoints.MapPost("/v1/runs", static (HttpContext context, RunHandler handler) => handler.StartAsync(context))
            .AddEndpointFilter(new AgentRouteWalk(AgentRouteKind.Run));
        endpoints.MapPost("/v1/runs/{id}/events", static (HttpContext context, string id, RunHandler handler) => handler.RecordEventAsync(context, id))
            .AddEndpointFilter(new AgentRouteWalk(AgentRouteKind.Run));
        return endpoints;
    }
}
