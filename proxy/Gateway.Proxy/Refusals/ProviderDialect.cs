using Gateway.Connectors.Kinds;
using Gateway.Policy;
using Gateway.Proxy.Pipeline;
using Microsoft.AspNetCore.Diagnostics;
using Yarp.ReverseProxy.Model;

namespace Gateway.Proxy.Refusals;

/// <summary>
/// The refusal dialect of a <c>/providers/{connector}/{rest}</c> request before its connector's kind is known: the
/// signature, the body's size and the policy are checked before the connector is looked up in the caller's tenant, and
/// an unsigned caller has no tenant at all. It is read from the request alone, so it says nothing about any tenant's
/// catalog: a call that is an OpenAI API operation (<c>POST chat/completions</c>, <c>GET models</c>…) is refused as an
/// OpenAI error object, one only the Anthropic API has (<c>POST messages</c>, <c>messages/count_tokens</c>) as an Anthropic
/// error object, which the official clients read; anything else as problem+json. Once the connector is known,
/// its kind's format replaces it.
/// </summary>
internal static class ProviderDialect
{
    private const string Prefix = "/providers/";

    /// <summary>The provider route's kind name (its describer is registered under it).</summary>
    public const string RouteKind = "Provider";

    private static readonly ModelConnectorType OpenAI = (ModelConnectorType)ConnectorTypes.Of(ConnectorKind.OpenAI);

    private static readonly ModelConnectorType Anthropic = (ModelConnectorType)ConnectorTypes.Of(ConnectorKind.Anthropic);

    /// <summary>
    /// The dialect of a call to <paramref name="segments"/> (the path after the connector) with <paramref name="method"/>:
    /// an operation both APIs have (<c>GET models</c>) is presumed OpenAI's.
    /// </summary>
    public static RefusalDialect Presume(string method, IReadOnlyList<string> segments) =>
        OpenAI.IsOperation(method, segments) ? RefusalDialect.OpenAI
        : Anthropic.IsOperation(method, segments) ? RefusalDialect.Anthropic
        : RefusalDialect.Problem;

    /// <summary>
    /// On the provider route, for a request whose dialect no stage has settled yet (the Authenticate stage refused it or
    /// failed before Describe), sets the request's dialect from its path; a refusal is about to be written.
    /// </summary>
    public static void PresumeFor(HttpContext context)
    {
        // The route as routing chose it (YARP's own feature is set only once its endpoint runs, after authentication; the
        // exception handler clears the endpoint but keeps the one that failed).
        var endpoint = context.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<RouteModel>()?.Config is not { } route || GatewayRouteKinds.NameOf(route) != RouteKind
            || context.Features.Get<GatewayRequestFeature>() is not { } feature || feature.DialectSettled)
        {
            return;
        }

        if (TryPresumeFromPath(context.Request, out var dialect))
        {
            feature.Dialect = dialect;
        }
    }

    /// <summary>
    /// The dialect of a provider-route request from its path as routing decoded it (the segments after the connector's
    /// name: enough to tell an OpenAI operation's path), for a request whose raw target could not be read strictly.
    /// </summary>
    public static bool TryPresumeFromPath(HttpRequest request, out RefusalDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.Path.Value ?? string.Empty;
        if (path.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)
            && path.IndexOf('/', Prefix.Length) is var afterConnector and > 0)
        {
            dialect = Presume(request.Method, path[(afterConnector + 1)..].Split('/', StringSplitOptions.RemoveEmptyEntries));
            return true;
        }

        dialect = RefusalDialect.Problem;
        return false;
    }
}
