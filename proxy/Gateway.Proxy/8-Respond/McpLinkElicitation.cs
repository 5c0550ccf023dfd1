using System.Text.Json;
using Gateway.Oversight;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Microsoft.AspNetCore.WebUtilities;

namespace Gateway.Proxy.Respond;

/// <summary>
/// A call on <c>/mcp</c> refused because the person has not linked their own account at the connector's upstream
/// (<c>upstream_account_not_linked</c>, or <c>upstream_account_relink_required</c> once a refresh failed; with the link
/// page in <see cref="Refusal.LinkUrl"/>), offered to a client that
/// accepts URL elicitation (<see cref="McpUrlElicitationSupport"/>) as one that opens the link page: for a client of the
/// 2026-07-28 revision an <c>input_required</c> result whose <c>inputRequests</c> holds one <c>elicitation/create</c> in
/// <c>url</c> mode; for earlier revisions the JSON-RPC error -32042 (<c>URLElicitationRequired</c>) with
/// <c>data.elicitations</c>. Either way the refusal's own data stays (its code and <c>link_url</c>), and the client retries
/// the call once the person linked; nothing was forwarded. A client that accepts no URL elicitation gets the refusal as it is.
/// </summary>
internal sealed class McpLinkElicitation(McpUrlElicitationSupport support)
{
    private const string Message = "This tool acts with your own account at its upstream, which is not linked yet. Open the link, sign in there and allow access; then the call can be retried.";

    /// <summary><paramref name="refusal"/>, as a URL elicitation where it is one to offer and the client accepts one.</summary>
    public async ValueTask<Refusal> OfferAsync(HttpContext context, GatewayRequestFeature feature, Refusal refusal)
    {
        if (refusal.Code is not (ProblemCodes.UpstreamAccountNotLinked or ProblemCodes.UpstreamAccountRelinkRequired) || refusal.LinkUrl is not { } link || feature.JsonRpcId is null
            || feature.Find<DescribedAction>()?.Body is not { ValueKind: JsonValueKind.Object } call
            || (feature.Find<Admission>()?.Identity ?? feature.Find<AuthenticatedRequest>()?.Identity) is not { } identity
            || !await support.AcceptsAsync(context, call, identity).ConfigureAwait(false))
        {
            return refusal;
        }

        var elicitationId = ElicitationId(link, RequestIdMiddleware.GetRequestId(context));
        var version = McpProtocolVersions.Declared(call) ?? (string?)context.Request.Headers[McpProtocolVersions.Header];
        if (version is not null && string.CompareOrdinal(version, McpProtocolVersions.PerRequest) >= 0)
        {
            return refusal with
            {
                JsonRpcResult = writer =>
                {
                    writer.WriteString("resultType"u8, "input_required"u8);
                    writer.WriteStartObject("inputRequests"u8);
                    writer.WriteStartObject(elicitationId);
                    writer.WriteString("method"u8, "elicitation/create"u8);
                    writer.WriteStartObject("params"u8);
                    WriteUrlElicitation(writer, elicitationId, link);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                },
            };
        }

        var members = refusal.Members;
        return refusal with
        {
            JsonRpcCode = McpApprovalElicitation.UrlElicitationRequired,
            Members = writer =>
            {
                members?.Invoke(writer);
                writer.WriteStartArray("elicitations"u8);
                writer.WriteStartObject();
                WriteUrlElicitation(writer, elicitationId, link);
                writer.WriteEndObject();
                writer.WriteEndArray();
            },
        };
    }

    private static void WriteUrlElicitation(Utf8JsonWriter writer, string elicitationId, string link)
    {
        writer.WriteString("mode"u8, "url"u8);
        writer.WriteString("elicitationId"u8, elicitationId);
        writer.WriteString("url"u8, link);
        writer.WriteString("message"u8, Message);
    }

    /// <summary>The link grant the page's <c>grant</c> names (one per refused call), else the request id.</summary>
    private static string ElicitationId(string link, string requestId) =>
        Uri.TryCreate(link, UriKind.Absolute, out var uri) && QueryHelpers.ParseQuery(uri.Query).TryGetValue("grant", out var grant)
            && grant is [{ Length: > 0 and <= 128 } id] ? id : requestId;
}
