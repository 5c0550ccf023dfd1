using Gateway.Proxy.Admit;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Respond;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// Registers route kinds: a YARP route naming the kind in its metadata, and the kind's describer and responder (and, for a
/// kind that forwards nothing, its local destination) as keyed services under the kind's name. The stages pick them by
/// that name, as YARP picks a policy by id: adding a kind is adding files and one registration, never editing a stage.
/// </summary>
internal static class RouteKindServiceCollectionExtensions
{
    /// <summary>Registers a route kind carried by <paramref name="route"/>, with its describer and its responder.</summary>
    public static IServiceCollection AddRouteKind<TDescriber, TResponder>(this IServiceCollection services, RouteConfig route)
        where TDescriber : class, IRouteDescriber
        where TResponder : class, IRouteResponder
    {
        ArgumentNullException.ThrowIfNull(route);
        var kind = KindOf(route);
        services.AddSingleton(new RouteKindRoute(route));
        services.AddKeyedSingleton<IRouteDescriber, TDescriber>(kind);
        services.AddKeyedSingleton<IRouteResponder, TResponder>(kind);
        return services;
    }

    /// <summary>Registers a route kind carried by <paramref name="route"/>, whose describer is made by <paramref name="describer"/> (one class serving several kinds).</summary>
    public static IServiceCollection AddRouteKind<TResponder>(this IServiceCollection services, RouteConfig route, Func<IServiceProvider, IRouteDescriber> describer)
        where TResponder : class, IRouteResponder
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(describer);
        var kind = KindOf(route);
        services.AddSingleton(new RouteKindRoute(route));
        services.AddKeyedSingleton(kind, (provider, _) => describer(provider));
        services.AddKeyedSingleton<IRouteResponder, TResponder>(kind);
        return services;
    }

    /// <summary>Gives the route kind <paramref name="kind"/> its own admission: its limits beyond the request's one store call.</summary>
    public static IServiceCollection AddRouteAdmission<TAdmission>(this IServiceCollection services, string kind)
        where TAdmission : class, IRouteAdmission
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        services.AddKeyedSingleton<IRouteAdmission, TAdmission>(kind);
        return services;
    }

    /// <summary>Gives the route kind <paramref name="kind"/> its local destination: what it decides is served in process, never forwarded.</summary>
    public static IServiceCollection AddLocalDestination<TDestination>(this IServiceCollection services, string kind)
        where TDestination : class, ILocalDestination
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        services.AddKeyedSingleton<ILocalDestination, TDestination>(kind);
        return services;
    }

    private static string KindOf(RouteConfig route) =>
        GatewayRouteKinds.NameOf(route) ?? throw new ArgumentException($"The route '{route.RouteId}' names no kind in its metadata ({GatewayRouteKinds.MetadataKey}).", nameof(route));
}
