using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.Hosting;

/// <summary>A YARP route a registered route kind brings (<see cref="RouteKindServiceCollectionExtensions.AddRouteKind{TDescriber, TResponder}"/>).</summary>
internal sealed record RouteKindRoute(RouteConfig Route);
