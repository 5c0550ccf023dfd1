using Gateway.Authorization.AccessTokens;
using Gateway.Oversight;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Admit;

/// <summary>
/// Scope step-up for a person's interactive client (MCP authorization, "Scope Challenge Handling"; RFC 6750 §3.1): when
/// the agent's <c>interactive:</c> block declares scopes and one or more of them cover the requested tool, the token
/// must carry one of those. One that does not is refused before anything is counted or decided: 403
/// <c>insufficient_scope</c> (a JSON-RPC error that keeps its HTTP status), whose <c>WWW-Authenticate</c> challenges name
/// the scopes to ask for (those the token has, and the tool's) and the resource's metadata, so the client authorizes
/// again with the wider scope and the person consents to it (a person's token is only ever accepted at <c>/mcp</c>). Recorded under the tool. Requests that are not such a
/// token's, and agents that declare no scopes, are not affected.
/// </summary>
internal static class TokenScopeGate
{
    public static Refusal? Check(HttpContext context, DescribedAction described, AgentIdentity identity, string? tool)
    {
        if (identity.TokenScopes is not { } granted || tool is null
            || !described.Tenant.TryGetAgent(identity.RegisteredAgent, out var agent) || agent?.Interactive is not { Scopes.Count: > 0 } access)
        {
            return null;
        }

        var needed = access.ScopesFor(tool);
        if (needed.Count == 0 || needed.Any(s => granted.Contains(s, StringComparer.Ordinal)))
        {
            return null;
        }

        // What to ask for: the scopes held already (a new token replaces this one) and those that cover the tool.
        var scope = string.Join(' ', granted.Union(needed, StringComparer.Ordinal));
        var urls = context.RequestServices.GetService<AccessTokenUrls>();
        var metadata = urls is null ? string.Empty : $", resource_metadata=\"{urls.ResourceMetadata(context.Request, McpEndpoint.Path)}\"";
        var parameters = $"error=\"{OAuthErrors.InsufficientScope}\", scope=\"{scope}\"{metadata}";
        return new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.InsufficientScope,
            $"The token lacks the scope {string.Join(" or ", needed)} that {tool} needs; authorize again with scope \"{scope}\".")
        {
            AuditTool = tool,
            JsonRpcKeepsStatus = true,
            Challenges = [$"Bearer {parameters}", $"DPoP algs=\"{DpopProof.Algorithm}\", {parameters}"],
            Members = writer => writer.WriteString("scope"u8, scope),
        };
    }
}
