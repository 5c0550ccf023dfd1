namespace Gateway.Proxy.Governance;

/// <summary>Maps the agent protocol's decision and governed-action routes.</summary>
internal static class GovernedActionEndpoints
{
    public static IEndpointRouteBuilder MapGovernedActions(this IEndpointRouteBuilder endpoints)
    {
        endpoints = endpoints.MapGroup(string.Empty).RequireAuthorization(Authentication.AgentSignatureDefaults.AuthorizationPolicy);
        endpoints.MapPost("/v1/evaluate", static (HttpContext context, GovernedActionHandler handler) =>
            handler.HandleAsync(context, GovernedRoute.Evaluate));
        endpoints.MapPost("/v1/actions/invoke-tool", static (HttpContext context, GovernedActionHandler handler) =>
            handler.HandleAsync(context, GovernedRoute.InvokeTool));
        endpoints.MapPost("/v1/actions/model", static (HttpContext context, GovernedActionHandler handler) =>
            handler.HandleAsync(context, GovernedRoute.Model));
        endpoints.MapPost("/v1/actions/context", static (HttpContext context, GovernedActionHandler handler) =>
            handler.HandleAsync(context, GovernedRoute.Context));
        endpoints.MapGet("/v1/approvals/{id}", static (HttpContext context, string id, ApprovalPollHandler handler) =>
            handler.HandleAsync(context, id));
        return endpoints;
    }
}

/// <summary>Which governed route a request came in on.</summary>
internal enum GovernedRoute
{
    Evaluate,
    InvokeTool,
    Model,
    Context,
}
