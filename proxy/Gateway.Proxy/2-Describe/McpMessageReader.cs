using System.Text.Json;
using Gateway.Connectors.Mcp;
using Gateway.Oversight;
using Gateway.Policy.Serialization;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Reads the body of a <c>POST /mcp</c> once, strictly (no repeated member, <see cref="JsonText.ParseStrict"/>), into its
/// <see cref="McpMessage"/>: one JSON-RPC 2.0 message. Not JSON-RPC is 400 <c>malformed_body</c>, and so is a batch (the MCP
/// specification removed them). Any other method has no body to read.
/// </summary>
internal static class McpMessageReader
{
    public static (McpMessage? Message, Refusal? Refusal) Read(HttpRequest request, ReadOnlyMemory<byte> body)
    {
        if (!HttpMethods.IsPost(request.Method))
        {
            return (McpMessage.None, null);
        }

        JsonElement root;
        try
        {
            root = JsonText.ParseStrict(body.Span);
        }
        catch (JsonException)
        {
            return (null, NotJsonRpc("the body is not JSON, or repeats a member."));
        }

        if (!McpRequestParser.TryParse(root, out var parsed, out var error))
        {
            return (null, NotJsonRpc(error));
        }

        if (parsed.IsBatch)
        {
            return (null, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody,
                "JSON-RPC batches are not accepted on /mcp (the MCP specification removed them); send one message per request."));
        }

        return (new McpMessage(parsed.Messages[0], root), null);
    }

    private static Refusal NotJsonRpc(string error) =>
        new(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, "The body is not a JSON-RPC message: " + error);
}
