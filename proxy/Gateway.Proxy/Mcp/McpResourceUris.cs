namespace Gateway.Proxy.Mcp;

/// <summary>
/// A resource of an MCP server as <c>/mcp</c> names it: <c>gamut-mcp://&lt;server&gt;/&lt;the server's URI, escaped&gt;</c>, so that
/// two servers serving the same URI stay apart and a read names the server it goes to.
/// </summary>
internal static class McpResourceUris
{
    public const string Scheme = "gamut-mcp";

    private const string Prefix = Scheme + "://";

    /// <summary>The URI on <c>/mcp</c> of <paramref name="uri"/> served by the server named <paramref name="serverName"/> there.</summary>
    public static string Of(string serverName, string uri) => Prefix + serverName + "/" + Uri.EscapeDataString(uri);

    /// <summary>The server's name on <c>/mcp</c> and its own URI, from a URI <see cref="Of"/> made.</summary>
    public static bool TryParse(string uri, out string serverName, out string serverUri)
    {
        serverName = string.Empty;
        serverUri = string.Empty;
        if (!uri.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var slash = uri.IndexOf('/', Prefix.Length);
        if (slash <= Prefix.Length || slash == uri.Length - 1)
        {
            return false;
        }

        serverName = uri[Prefix.Length..slash];
        serverUri = Uri.UnescapeDataString(uri[(slash + 1)..]);
        return true;
    }
}
