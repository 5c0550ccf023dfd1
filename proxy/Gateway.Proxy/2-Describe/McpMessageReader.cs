using System.Text.Json;
using Gateway.Connectors.Mcp;
using Gateway.Oversight;
using Gateway.Policy.Serialization;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Reads the body of a <c>POST /mcp</c> once, strictly (no repeated member, <see cref="JsonText.ParseStrict"/>), into its
/// <see cref="McpMessage"/>: one JSON-RPC 2.0 message. Not JSON-RPC is 400 <c>malformed_body</c>, and so is a batch (the MCP
/// specification removed them), each answered as a JSON-RPC error in HTTP 400 (<see cref="Unreadable"/>) under the body's
/// id when one can be read (<see cref="IdOf"/>). Any other method has no body to read.
/// </summary>
internal static class McpMessageReader
{
    /// <summary>JSON-RPC's parse error: the body is not JSON.</summary>
    public const int ParseError = -32700;

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
            return (null, Unreadable(body, "The body is not a JSON-RPC message: the body is not JSON, or repeats a member."));
        }

        if (!McpRequestParser.TryParse(root, out var parsed, out var error))
        {
            return (null, Unreadable(body, "The body is not a JSON-RPC message: " + error));
        }

        if (parsed.IsBatch)
        {
            return (null, Unreadable(body, "JSON-RPC batches are not accepted on /mcp (the MCP specification removed them); send one message per request."));
        }

        return (new McpMessage(parsed.Messages[0], root), null);
    }

    /// <summary>
    /// The refusal of a body that is not one JSON-RPC message, as a JSON-RPC error that keeps HTTP 400: <see cref="ParseError"/>
    /// when it is not JSON at all, else <c>-32600</c> (invalid request: a batch, a repeated member, another version, no method).
    /// </summary>
    public static Refusal Unreadable(ReadOnlyMemory<byte> body, string detail) =>
        new(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, detail)
        {
            JsonRpcCode = Lenient(body) is null ? ParseError : ProviderActionDescriber.InvalidRequest,
            JsonRpcKeepsStatus = true,
        };

    /// <summary>
    /// The id to answer a body that is not one JSON-RPC message under (raw JSON): its one <c>id</c> where it is a JSON object
    /// naming exactly one, a string or an integer; else <c>null</c> (not JSON, a batch, an id given twice or of another type).
    /// </summary>
    public static string IdOf(ReadOnlyMemory<byte> body)
    {
        if (Lenient(body) is not { ValueKind: JsonValueKind.Object } root)
        {
            return "null";
        }

        string? id = null;
        foreach (var member in root.EnumerateObject())
        {
            if (!member.NameEquals("id"u8))
            {
                continue;
            }

            if (id is not null || !(member.Value.ValueKind == JsonValueKind.String || (member.Value.ValueKind == JsonValueKind.Number && member.Value.TryGetInt64(out _))))
            {
                return "null";
            }

            id = member.Value.GetRawText();
        }

        return id ?? "null";
    }

    // The body as a lenient reader takes it (a repeated member, a lone surrogate), as deep as a request may be; null when it is no JSON.
    private static JsonElement? Lenient(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = JsonText.RequestBodyDepth });
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
