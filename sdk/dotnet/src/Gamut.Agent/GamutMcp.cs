using ModelContextProtocol.Client;

namespace Gamut.Agent;

/// <summary>An MCP client transport through the gateway: <c>await McpClient.CreateAsync(gamut.CreateMcpTransport("docs"))</c>.</summary>
public static class GamutMcp
{
    /// <summary>A Streamable HTTP transport on <c>&lt;GAMUT_BASE_URL&gt;/providers/&lt;connector&gt;</c>, every request signed.</summary>
    public static HttpClientTransport CreateMcpTransport(this GamutClient gamut, string connector)
    {
        ArgumentNullException.ThrowIfNull(gamut);
        var endpoint = gamut.ProviderUri(connector);
        var http = new HttpClient(gamut.CreateSigningHandler());
        return new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = new Uri(endpoint.AbsoluteUri.TrimEnd('/')), TransportMode = HttpTransportMode.StreamableHttp, Name = $"gamut:{connector}" },
            http,
            loggerFactory: null,
            ownsHttpClient: true);
    }
}
