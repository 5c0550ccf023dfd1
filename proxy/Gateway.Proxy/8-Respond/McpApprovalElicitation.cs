using System.Text.Json;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Respond;

/// <summary>
/// A require_approval on <c>/mcp</c>, offered as a URL elicitation (JSON-RPC error -32042, <c>URLElicitationRequired</c>)
/// to a client that accepts one: <c>data.elicitations</c> holds one <c>url</c> elicitation whose id is the approval's and
/// whose link is the approval's page (<see cref="McpEndpointOptions.ApprovalPageUrl"/>), beside the refusal's own data
/// (decision, explanation, approval). The client shows the person the link; the agent still polls the approval and retries
/// with its warrant. A client accepts URL elicitation when it declared <c>elicitation.url</c> (<see cref="McpUrlElicitationSupport"/>).
/// </summary>
internal sealed class McpApprovalElicitation
{
    /// <summary>The MCP specification's code for an error that a URL elicitation resolves.</summary>
    public const int UrlElicitationRequired = -32042;

    private readonly McpUrlElicitationSupport _support;
    private readonly string _page;

    public McpApprovalElicitation(McpUrlElicitationSupport support, IOptions<McpEndpointOptions> options)
    {
        _support = support;
        _page = options.Value.ApprovalPageUrl;
    }

    /// <summary>
    /// <paramref name="refusal"/> of <paramref name="call"/> (the JSON-RPC request as described) as a URL elicitation, when
    /// the page is configured and the client accepts one; else as it is.
    /// </summary>
    public async ValueTask<Refusal> OfferAsync(HttpContext context, JsonElement call, Refusal refusal, GovernedDecision governed)
    {
        if (_page.Length == 0 || governed.Approval is not { } approval
            || context.Features.Get<GatewayRequestFeature>()?.Find<AuthenticatedRequest>() is not { } authenticated
            || !await _support.AcceptsAsync(context, call, authenticated.Identity).ConfigureAwait(false))
        {
            return refusal;
        }

        var link = _page.Replace("{approval_id}", Uri.EscapeDataString(approval.Id), StringComparison.Ordinal)
            .Replace("{tenant}", Uri.EscapeDataString(authenticated.Identity.Tenant), StringComparison.Ordinal);
        var members = refusal.Members;
        return refusal with
        {
            JsonRpcCode = UrlElicitationRequired,
            Members = writer =>
            {
                members?.Invoke(writer);
                writer.WriteStartArray("elicitations"u8);
                writer.WriteStartObject();
                writer.WriteString("mode"u8, "url");
                writer.WriteString("elicitationId"u8, approval.Id);
                writer.WriteString("url"u8, link);
                writer.WriteString("message"u8, "A named human must approve this action. Open the link to see it; the agent retries with the warrant once it is approved.");
                writer.WriteEndObject();
                writer.WriteEndArray();
            },
        };
    }
}
