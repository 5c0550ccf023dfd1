using Gateway.Proxy.Describe;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Respond;

/// <summary>
/// Respond for <c>/mcp</c> (route kind <see cref="Mcp.McpEndpoint.RouteKind"/>). A message the gateway served itself is
/// answered with what its destination answered (<see cref="LocalAnswer"/>), or was answered by the MCP server's own
/// stream already; a governed call (a tool call, a prompt, a resource read) is answered in JSON-RPC by
/// <see cref="McpCallResponder"/>, decided, refused, held or carried out. A call refused because the person's own upstream
/// account is not linked is offered as a URL elicitation of the link page (<see cref="McpLinkElicitation"/>).
/// </summary>
internal sealed class McpResponder : IRouteResponder
{
    private static readonly LocalAnswerResponder LocalAnswers = new();

    private readonly McpCallResponder _calls;
    private readonly McpLinkElicitation _links;

    public McpResponder(McpCallResponder calls, McpLinkElicitation links)
    {
        _calls = calls;
        _links = links;
    }

    public ValueTask<Refusal> OfferAsync(HttpContext context, GatewayRequestFeature feature, Refusal refusal) => _links.OfferAsync(context, feature, refusal);

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
