using System.Text.Json;
using Gateway.Connectors.Mcp;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Mcp;
using Gateway.Store;

namespace Gateway.Proxy.Respond;

/// <summary>
/// Whether an MCP client accepts a URL elicitation: it declared <c>elicitation.url</c> in the request's
/// <c>_meta["io.modelcontextprotocol/clientCapabilities"]</c> (the 2026-07-28 revision) or in its session's
/// <c>initialize</c> (earlier revisions; read from the store only on a refusal's path). A store that cannot be read says no.
/// </summary>
internal sealed class McpUrlElicitationSupport(IStateStore store)
{
    private const string CapabilitiesMetaKey = "io.modelcontextprotocol/clientCapabilities";

    /// <summary>Whether the client that sent <paramref name="call"/> as <paramref name="identity"/> accepts a URL elicitation.</summary>
    public async ValueTask<bool> AcceptsAsync(HttpContext context, JsonElement call, AgentIdentity identity)
    {
        if (JsonRpcMeta.TryGet(call, CapabilitiesMetaKey, out var declared))
        {
            return DeclaresUrl(declared);
        }

        if (context.Request.Headers["Mcp-Session-Id"].ToString() is not { Length: > 0 and <= 256 } session)
        {
            return false;
        }

        try
        {
            return await SessionRecord.FindAsync(store, identity.Tenant, identity.Agent, session, context.RequestAborted).ConfigureAwait(false) is { } record
                && record.Initialize.ValueKind == JsonValueKind.Object && record.Initialize.TryGetProperty("capabilities"u8, out var capabilities)
                && DeclaresUrl(capabilities);
        }
        catch (StateStoreUnavailableException)
        {
            // The refusal is said as it is, without the link.
            return false;
        }
    }

    private static bool DeclaresUrl(JsonElement capabilities) =>
        capabilities.ValueKind == JsonValueKind.Object && capabilities.TryGetProperty("elicitation"u8, out var elicitation)
        && elicitation.ValueKind == JsonValueKind.Object && elicitation.TryGetProperty("url"u8, out var url) && url.ValueKind == JsonValueKind.Object;
}
