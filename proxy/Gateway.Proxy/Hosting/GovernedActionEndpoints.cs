using Gateway.Proxy.Authenticate;
namespace Gateway.Proxy.Hosting;

/// <summary>Maps the agent routes that are not governed actions (the approval poll, delegations, runs); the actions are YARP routes (<see cref="GatewayRoutes"/>).</summary>
internal static class GovernedActionEndpoints
{
    public static IEndpointRouteBuilder MapAgentEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints = endpoints.MapGroup(string.Empty).RequireAuthorization(AgentSignatureDefaults.AuthorizationPolicy);
        endpoints.MapGet("/v1/approvals/{id}", static (HttpContext context, string id, ApprovalPollHandler handler) =>
            handler.HandleAsync(context, id));
        endpoints.MapPost("/v1/delegations", static (HttpContext context, DelegationHandler handler) => handler.HandleAsync(context));
        endpoints.MapPost("/v1/runs", static (HttpContext context, RunHandler handler) => handler.StartAsync(context));
        endpoints.MapPost("/v1/runs/{id}/events", static (HttpContext context, string id, RunHandler handler) => handler.RecordEventAsync(context, id));
        return endpoints;
    }
}
