using Gateway.Proxy.A2a;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// Wires A2A (docs/a2a.md): the task owners kept in the store, the resolver push webhooks' hosts are checked with, the
/// client the remote cards are read with, and the card
/// route, which walks the stages as the other routes that forward nothing do. Messages and task operations are the YARP
/// route <c>gamut-a2a</c> (<see cref="GatewayRoutes"/>), walked like any governed action.
/// </summary>
internal static class A2aHosting
{
    /// <summary>The named HTTP client remote cards are read with.</summary>
    public const string CardClient = "gamut-a2a-card";

    public static IServiceCollection AddGatewayA2a(this IServiceCollection services)
    {
        services.AddSingleton<A2aTaskOwners>();
        services.AddSingleton<A2aCardHandler>();
        services.TryAddSingleton<IWebhookHostResolver, SystemWebhookHostResolver>();
        services.AddHttpClient(CardClient, static client => client.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        return services;
    }

    public static IEndpointRouteBuilder MapA2aCards(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/a2a/{connector}/.well-known/agent-card.json", static (HttpContext context, string connector, A2aCardHandler handler) => handler.HandleAsync(context, connector))
            .RequireAgentSignature()
            .AddEndpointFilter(new AgentRouteWalk(AgentRouteKind.A2aCard));
        return endpoints;
    }
}
