using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Gamut.Agent;

/// <summary>
/// MCP client transports through the gateway, every request signed (with the client's run and person, <see cref="GamutClient.CreateSigningHandler"/>): <c>await McpClient.CreateAsync(gamut.CreateMcpTransport())</c>
/// for <c>/mcp</c> (every governed tool the agent may use, one endpoint), or <c>gamut.CreateMcpTransport("docs")</c> for one
/// connector's server on <c>/providers/docs</c>. Each request waits for its answer (status and headers) at most the
/// client's <see cref="GamutOptions.Timeout"/> (else <see cref="GamutTimeoutException"/>); the caller's token cancels it.
/// </summary>
public static class GamutMcp
{
    /// <summary>The <c>_meta</c> key a retried call carries an approval's warrant under.</summary>
    public const string WarrantMetaKey = "gamut.dev/warrant";

    /// <summary>A Streamable HTTP transport on <c>&lt;GAMUT_BASE_URL&gt;/mcp</c>, the gateway's own MCP server.</summary>
    public static HttpClientTransport CreateMcpTransport(this GamutClient gamut)
    {
        ArgumentNullException.ThrowIfNull(gamut);
        return Transport(gamut, new Uri(gamut.BaseUri.AbsoluteUri.TrimEnd('/') + "/mcp"), "gamut");
    }

    /// <summary>A Streamable HTTP transport on <c>&lt;GAMUT_BASE_URL&gt;/providers/&lt;connector&gt;</c>, every request signed.</summary>
    public static HttpClientTransport CreateMcpTransport(this GamutClient gamut, string connector)
    {
        ArgumentNullException.ThrowIfNull(gamut);
        var endpoint = gamut.ProviderUri(connector);
        return Transport(gamut, new Uri(endpoint.AbsoluteUri.TrimEnd('/')), $"gamut:{connector}");
    }

    /// <summary><paramref name="call"/> with the approval's warrant under <c>_meta</c>: the retry of a call a human approved.</summary>
    public static CallToolRequestParams WithWarrant(this CallToolRequestParams call, string warrant)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentException.ThrowIfNullOrEmpty(warrant);
        var meta = call.Meta?.DeepClone().AsObject() ?? new JsonObject();
        meta[WarrantMetaKey] = warrant;
        return new CallToolRequestParams { Name = call.Name, Arguments = call.Arguments, Meta = meta };
    }

    private static HttpClientTransport Transport(GamutClient gamut, Uri endpoint, string name) => new(
        new HttpClientTransportOptions { Endpoint = endpoint, TransportMode = HttpTransportMode.StreamableHttp, Name = name },
        // The client's timeout bounds each MCP request as it bounds every other call (not HttpClient's 100 s default).
        new HttpClient(new GamutTimeoutHandler(gamut.Options.Timeout, gamut.Time, gamut.CreateSigningHandler())) { Timeout = Timeout.InfiniteTimeSpan },
        loggerFactory: null,
        ownsHttpClient: true);
}
