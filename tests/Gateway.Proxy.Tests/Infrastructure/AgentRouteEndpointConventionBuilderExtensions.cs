using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Record;
using Gateway.Proxy.Respond;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// For tests of the authenticator on plain minimal-API endpoints (the gateway's agent endpoints are all YARP routes,
/// authenticated first in their walk by <see cref="AuthenticateStage"/>): marks the endpoint as an agent route
/// (<see cref="AgentRouteMetadata"/>) and proves each request with <see cref="AgentAuthenticator"/> before the handler
/// runs, a refusal answered as the Respond stage answers one (<see cref="RespondStage.RefuseUnauthenticatedAsync"/>).
/// </summary>
internal static class AgentRouteEndpointConventionBuilderExtensions
{
    /// <summary>Every request to this endpoint must be an agent's, proven before the handler runs.</summary>
    public static RouteHandlerBuilder RequireAgentSignature(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(AgentRouteMetadata.Instance).AddEndpointFilter(static async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            var services = context.RequestServices;
            if (await services.GetRequiredService<AgentAuthenticator>().AuthenticateAsync(context) is { } challenge)
            {
                await RespondStage.RefuseUnauthenticatedAsync(context, challenge, services.GetRequiredService<AuditRecorder>(),
                    services.GetRequiredService<ILogger<RespondStage>>());
                return Results.Empty;
            }

            return await next(invocation);
        });
}
