using Gateway.Proxy.A2a;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// Wires A2A (docs/a2a.md): the task owners kept in the store, the resolver push webhooks' hosts are checked with, and the
/// client the remote cards are read with (the card's route is a route kind that forwards nothing, <see cref="LocalRouteKinds"/>).
/// Messages and task operations are the YARP route <c>gamut-a2a</c> (<see cref="GatewayRoutes"/>), walked like any governed action.
/// </summary>
internal static class A2aHosting
{
    public static IServiceCollection AddGatewayA2a(this IServiceCollection services)
    {
        services.AddSingleton<A2aTaskOwners>();
        services.TryAddSingleton<IWebhookHostResolver, SystemWebhookHostResolver>();
        services.AddHttpClient(Forward.A2aCardDestination.CardClient, static client => client.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        return services;
    }
}
