using System.Text.Json;
using Gateway.Connectors.Mcp;

namespace Gateway.Proxy.Describe;

/// <summary>
/// The Describe stage's record of a message on <c>/mcp</c>: its body, parsed once (<see cref="McpMessageReader"/>), with its
/// method and id. Every later reader reads this parse: the gate (which endpoint serves it, which call a
/// <c>notifications/cancelled</c> names), the governed call's description (<see cref="McpCallReader"/>) and Admit's scan for
/// secret material. A <c>GET</c> or a <c>DELETE</c> has no body: <see cref="Info"/> is null.
/// </summary>
/// <param name="Info">The message's method, id and tool name; null for a request without a body.</param>
/// <param name="Body">The whole body as parsed (Undefined without one).</param>
internal sealed record McpMessage(JsonRpcMessageInfo? Info, JsonElement Body)
{
    /// <summary>A request without a message (the event stream's <c>GET</c>, the session's <c>DELETE</c>).</summary>
    public static readonly McpMessage None = new(null, default);

    public string? Method => Info?.Method;

    /// <summary>The message's id (raw JSON); null for a notification.</summary>
    public string? Id => Info?.Id;

    /// <summary>
    /// A governed call, which walks the stages: a <c>tools/call</c>, a <c>prompts/get</c>, a <c>resources/read</c>, a
    /// <c>resources/subscribe</c> or a <c>completion/complete</c> with an id.
    /// </summary>
    public bool IsGovernedCall => Info is { Method: "tools/call" or "prompts/get" or "resources/read" or "resources/subscribe" or "completion/complete", Id: not null };

    /// <summary>The id the gateway answers in JSON-RPC: a request's; null for a notification and for a client's answer to a server's request.</summary>
    public string? AnsweredId => Method is null ? null : Id;

    /// <summary>The raw JSON id of the request a <c>notifications/cancelled</c> names (<c>params.requestId</c>); null for any other message.</summary>
    public string? CancelledRequestId =>
        Method == "notifications/cancelled"
        && Body.TryGetProperty("params"u8, out var parameters) && parameters.ValueKind == JsonValueKind.Object
        && parameters.TryGetProperty("requestId"u8, out var id) && id.ValueKind is JsonValueKind.String or JsonValueKind.Number
            ? id.GetRawText()
            : null;
}
