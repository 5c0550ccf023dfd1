using System.Globalization;
using System.Text.Json;
using Gateway.Connectors.Envelopes;

namespace Gateway.Connectors.Mcp;

/// <summary>
/// The gateway's own JSON-RPC request to an MCP server for a governed prompt or resource (<c>prompts/get</c>,
/// <c>resources/read</c>): POSTed on the gateway's session with the server, under an id of its own (<c>g1</c>, <c>g2</c>…,
/// apart from the tool calls' numeric ids), so that the server's reply is read as a tool call's is.
/// </summary>
public static class McpServerRequestEnvelope
{
    private static long s_nextId;

    public static UpstreamEnvelope For(string method, JsonElement parameters)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        var id = "g" + Interlocked.Increment(ref s_nextId).ToString(CultureInfo.InvariantCulture);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc"u8, "2.0");
            writer.WriteString("id"u8, id);
            writer.WriteString("method"u8, method);
            writer.WritePropertyName("params"u8);
            parameters.WriteTo(writer);
            writer.WriteEndObject();
        }

        return Post(buffer.ToArray(), id);
    }

    /// <summary>A JSON-RPC request the gateway POSTs to an MCP server on its session, whose reply is the one with <paramref name="id"/>.</summary>
    public static UpstreamEnvelope Post(byte[] body, string id) => new()
    {
        Method = "POST",
        Body = body,
        Headers = [new("Accept", "application/json, text/event-stream"), new("MCP-Protocol-Version", UpstreamEnvelopes.McpProtocolVersion)],
        JsonRpcId = id,
    };
}
