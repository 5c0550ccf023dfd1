using Gateway.Connectors.Mcp;

namespace Gateway.Proxy.Describe;

/// <summary>
/// The JSON-RPC messages an MCP server's own route <c>/providers/{server}</c> forwards: the calls it decides
/// (<c>tools/call</c>, <c>prompts/get</c>, <c>resources/read</c>, <c>resources/subscribe</c>), the listings it filters
/// to what the caller may call or read (<c>tools/list</c>, <c>resources/list</c>, <c>resources/templates/list</c>,
/// <c>prompts/list</c>), what acts on nothing and tells nothing beyond them (<c>initialize</c>, <c>ping</c>,
/// <c>server/discover</c>, <c>logging/setLevel</c>, <c>resources/unsubscribe</c>), the client's notifications and its
/// answers to the server's own requests. Anything else (<c>tasks/*</c>, whose tasks the server keeps under the one
/// credential every agent shares; <c>subscriptions/listen</c>, whose subscriptions no read rule decides; a vendor's
/// method) is refused, never forwarded undecided: an allowlist, not a list of what is known to be harmful.
/// </summary>
internal static class McpProviderMethods
{
    /// <summary>What the route serves, in words, for a refusal's detail.</summary>
    public const string Served = "It serves tools/call, prompts/get, resources/read and resources/subscribe (each decided), tools/list, resources/list, "
        + "resources/templates/list and prompts/list (filtered), initialize, ping, server/discover, logging/setLevel, resources/unsubscribe, "
        + "the client's notifications (initialized, cancelled, progress, roots/list_changed) and its answers to the server's requests";

    private static readonly HashSet<string> Requests = new(StringComparer.Ordinal)
    {
        "tools/call", "prompts/get", "resources/read", "resources/subscribe",
        "tools/list", "resources/list", "resources/templates/list", "prompts/list",
        "initialize", "ping", "server/discover", "logging/setLevel", "resources/unsubscribe",
    };

    // The notifications MCP lets a client send (notifications/tasks/status is refused with tasks/*).
    private static readonly HashSet<string> Notifications = new(StringComparer.Ordinal)
    {
        "notifications/initialized", "notifications/cancelled", "notifications/progress", "notifications/roots/list_changed",
    };

    /// <summary>
    /// True when <paramref name="message"/> may be forwarded: a request this route serves, a notification MCP lets a client
    /// send (without an id) or the client's answer to a server's request (no method).
    /// </summary>
    public static bool Forwards(JsonRpcMessageInfo message) => message.Method switch
    {
        null => true,
        { } method when Notifications.Contains(method) => message.Id is null,
        { } method => Requests.Contains(method),
    };
}
