using Gateway.Connectors.Mcp;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Describe for a governed call on <c>/mcp</c> (a tool call, a prompt, a resource), answered in JSON-RPC, read from its
/// <see cref="McpMessage"/>: a tool call is an invoke-tool of the entry its name resolves to (carrying the client's
/// progress token), a prompt or a resource the MCP server's own request.
/// </summary>
internal sealed class McpCallDescriber(PolicyProvider policy) : IRouteDescriber
{
    /// <summary>The route kind's name.</summary>
    public const string Kind = "McpCall";

    public ValueTask<(DescribedAction? Action, Refusal? Refusal)> DescribeAsync(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated)
    {
        feature.Dialect = RefusalDialect.JsonRpc;
        if (policy.TenantOf(authenticated.Identity) is not { } tenant)
        {
            return new((null, Refusal.PolicyUnavailable()));
        }

        // The gate read the message (one parse) before it chose this route; without it, the call is not one the gate handed on.
        if (feature.Find<McpMessage>() is not { } message)
        {
            return new((null, Refusal.Internal()));
        }

        var read = McpCallReader.Read(tenant, message.Body);
        feature.JsonRpcId = read.Id;
        return new(read.Request is { } request
            ? (new DescribedAction(tenant, request)
            {
                Body = read.Body,
                McpServerCall = read.ServerCall,
                EntryMismatch = read.ServerCall is null ? EntryRequirements.Invocable : null,
                ProgressToken = McpProgressToken.Of(read.Body),
                CallerSpeaksMcp = true,
            }, null)
            : (null, read.Refusal));
    }
}
