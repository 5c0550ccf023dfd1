using Gateway.Proxy.Describe;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Respond;

/// <summary>
/// Respond for <c>/mcp</c> (route kind <see cref="Mcp.McpEndpoint.RouteKind"/>). A message the gateway served itself is
/// answered with what its destination answered (<see cref="LocalAnswer"/>), or was answered by the MCP server's own
/// stream already; a governed call (a tool call, a prompt, a resource read) is answered in JSON-RPC by
/// <see cref="McpCallResponder"/>, decided, refused, held or carried out.
/// </summary>
internal sealed class McpResponder : IRouteResponder
{
    private static readonly LocalAnswerResponder LocalAnswers = new();

    private readonly McpCallResponder _calls;

    public McpResponder(McpCallResponder calls) => _calls = calls;

    public ValueTask RespondAsync(HttpContext context, GatewayRequestFeature feature)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(feature);
        if (feature.Find<LocalAction>() is not null)
        {
            // The MCP server's own answer has gone out as it wrote it (a JSON body or an event stream).
            return feature.Find<LocalAnswer>() is null ? ValueTask.CompletedTask : LocalAnswers.RespondAsync(context, feature);
        }

        return _calls.RespondAsync(context, feature);
    }
}
