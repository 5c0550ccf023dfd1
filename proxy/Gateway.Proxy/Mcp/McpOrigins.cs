using Gateway.Authorization.AccessTokens;
using Gateway.Oversight;
using Gateway.Proxy.Refusals;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// The MCP specification's defence against DNS rebinding: a request to <c>/mcp</c>, or to an MCP server's per-server route
/// <c>/providers/&lt;server&gt;</c>, that carries <c>Origin</c> is served only when that origin is the gateway's own public
/// origin or one listed in <c>Gateway:Mcp:AllowedOrigins</c>. A request without <c>Origin</c> (every non-browser client)
/// is not affected; <c>Origin: null</c> is never allowed.
/// </summary>
internal sealed class McpOrigins
{
    private readonly HashSet<string> _allowed;
    private readonly PublicOrigin _publicOrigin;

    public McpOrigins(IOptions<McpEndpointOptions> options, PublicOrigin publicOrigin)
    {
        ArgumentNullException.ThrowIfNull(options);
        _publicOrigin = publicOrigin;
        _allowed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var origin in options.Value.AllowedOrigins)
        {
            if (Normalize(origin) is { } normalized)
            {
                _allowed.Add(normalized);
            }
        }
    }

    /// <summary>
    /// The refusal (403 <c>origin_not_allowed</c>, recorded under <paramref name="auditTool"/>) of a request whose
    /// <c>Origin</c> is not allowed; null when it carries none, or one allowed here.
    /// </summary>
    public Refusal? Check(HttpRequest request, string auditTool) => Allows(request) ? null
        : new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.OriginNotAllowed,
            "This Origin may not call the gateway's MCP endpoints: it is neither the gateway's public origin nor one in Gateway:Mcp:AllowedOrigins.")
        {
            AuditTool = auditTool,
            JsonRpcKeepsStatus = true,
        };

    /// <summary>True when <paramref name="request"/> carries no <c>Origin</c>, or one allowed here.</summary>
    private bool Allows(HttpRequest request)
    {
        var presented = request.Headers.Origin;
        if (presented.Count == 0)
        {
            return true;
        }

        return presented.Count == 1 && Normalize(presented[0]) is { } origin
            && (_allowed.Contains(origin) || origin == Normalize(_publicOrigin.For(request)));
    }

    /// <summary><c>scheme://host[:port]</c> in lower case, the default port left out; null for anything that is not an http(s) origin.</summary>
    public static string? Normalize(string? origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0
            ? uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant()
            : null;
}
