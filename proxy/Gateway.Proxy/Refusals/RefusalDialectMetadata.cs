using Yarp.ReverseProxy.Model;

namespace Gateway.Proxy.Refusals;

/// <summary>
/// Endpoint metadata: the refusal format of a route, known before anything else runs, so that even an
/// authentication refusal is written in the client's own language. A minimal-API endpoint adds an
/// instance (<c>.WithMetadata(RefusalDialectMetadata.OpenAI)</c>); a YARP route sets
/// <see cref="RouteMetadataKey"/> in <c>RouteConfig.Metadata</c> to a <see cref="RefusalDialect"/> name.
/// </summary>
public sealed class RefusalDialectMetadata
{
    /// <summary>The key of a YARP route's metadata that names its refusal dialect.</summary>
    public const string RouteMetadataKey = "Gateway.RefusalDialect";

    public static readonly RefusalDialectMetadata OpenAI = new(RefusalDialect.OpenAI);

    public static readonly RefusalDialectMetadata JsonRpc = new(RefusalDialect.JsonRpc);

    private RefusalDialectMetadata(RefusalDialect dialect) => Dialect = dialect;

    public RefusalDialect Dialect { get; }

    /// <summary>The dialect the matched endpoint declares, or null when it declares none.</summary>
    public static RefusalDialect? ForEndpoint(Endpoint? endpoint)
    {
        if (endpoint is null)
        {
            return null;
        }

        if (endpoint.Metadata.GetMetadata<RefusalDialectMetadata>() is { } declared)
        {
            return declared.Dialect;
        }

        return endpoint.Metadata.GetMetadata<RouteModel>()?.Config.Metadata is { } route
            && route.TryGetValue(RouteMetadataKey, out var name)
            && Enum.TryParse<RefusalDialect>(name, ignoreCase: true, out var dialect)
            ? dialect
            : null;
    }
}
