using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// The gateway request whose message the MCP server is serving, for its listing handlers (<see cref="McpServerHosting"/>:
/// only an admitted caller is listed anything). <see cref="McpEndpointGate"/> sets it around the MCP server's own handling
/// of a message, and the SDK runs a message's handler in the execution context of the request that posted it. This
/// replaces ASP.NET Core's <c>IHttpContextAccessor</c>, which, once registered, sets an async-local on every request the
/// gateway serves and keeps Kestrel from reusing a connection's <c>HttpContext</c> (issue #52: about 0.4 KB per request).
/// </summary>
internal static class McpServedRequest
{
    private static readonly AsyncLocal<Served?> CurrentServed = new();

    /// <summary>The request being served here, or null outside the MCP server's handling of one (or once it ended).</summary>
    public static GatewayRequestFeature? Current => CurrentServed.Value?.Feature;

    /// <summary>Makes <paramref name="feature"/> the request served in this execution context until the result is disposed.</summary>
    public static Served Serve(GatewayRequestFeature feature)
    {
        ArgumentNullException.ThrowIfNull(feature);
        var served = new Served(feature);
        CurrentServed.Value = served;
        return served;
    }

    /// <summary>
    /// One request's time in the MCP server. Disposing it forgets the request for every execution context that captured it
    /// (a handler run later from a captured context sees none), as the accessor's own holder does.
    /// </summary>
    public sealed class Served(GatewayRequestFeature feature) : IDisposable
    {
        public GatewayRequestFeature? Feature { get; private set; } = feature;

        public void Dispose() => Feature = null;
    }
}
