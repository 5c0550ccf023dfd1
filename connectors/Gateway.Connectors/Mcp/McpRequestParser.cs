using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Gateway.Policy.Serialization;

namespace Gateway.Connectors.Mcp;

/// <summary>Parses an MCP request body for the transparent route: method, id and tool name of each message (batches too).</summary>
public static class McpRequestParser
{
    /// <summary>The most messages a batch may hold: it is decided, counted and recorded as one request.</summary>
    public const int MaxBatchLength = 32;

    /// <summary>False (with a reason) when the body is not a JSON-RPC 2.0 message or a non-empty batch of them.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, [NotNullWhen(true)] out McpRequest? request, [NotNullWhen(false)] out string? error)
    {
        request = null;
        try
        {
            // Whatever the declared content type: a repeated member (two params.name) could be read differently upstream,
            // and a string that is not text (JsonText) cannot be read at all.
            return TryParse(JsonText.ParseStrict(body), out request, out error);
        }
        catch (JsonException)
        {
            error = "the body is not JSON, or repeats a member.";
            return false;
        }
    }

    /// <summary>
    /// As <see cref="TryParse(ReadOnlySpan{byte}, out McpRequest?, out string?)"/>, of a body already parsed with
    /// <see cref="JsonText.ParseStrict"/> (by a caller that reads more of it than the messages' method, id and tool).
    /// </summary>
    public static bool TryParse(JsonElement root, [NotNullWhen(true)] out McpRequest? request, [NotNullWhen(false)] out string? error)
    {
        request = null;
        var messages = new List<JsonRpcMessageInfo>();
        if (root.ValueKind == JsonValueKind.Array)
        {
            if (root.GetArrayLength() > MaxBatchLength)
            {
                error = $"a JSON-RPC batch of more than {MaxBatchLength} messages.";
                return false;
            }

            foreach (var item in root.EnumerateArray())
            {
                if (!TryParseMessage(item, out var message, out error))
                {
                    return false;
                }

                messages.Add(message);
            }

            if (messages.Count == 0)
            {
                error = "an empty JSON-RPC batch.";
                return false;
            }

            request = new McpRequest(true, messages);
            error = null;
            return true;
        }

        if (!TryParseMessage(root, out var single, out error))
        {
            return false;
        }

        request = new McpRequest(false, [single]);
        return true;
    }

    /// <summary>
    /// The first member of <paramref name="root"/>'s messages (a batch's each) or of their params that a server matching
    /// names without case reads as one the gateway reads, spelled otherwise (<see cref="McpMemberNames"/>); null when none
    /// is. The gateway decides on exact spellings, so a route forwarding the body as sent refuses such a message.
    /// </summary>
    public static McpMisspelledMember? MisspelledMember(JsonElement root) => root.ValueKind == JsonValueKind.Array
        ? root.EnumerateArray().Select(McpMemberNames.Misspelled).FirstOrDefault(static m => m is not null)
        : McpMemberNames.Misspelled(root);

    private static bool TryParseMessage(JsonElement element, [NotNullWhen(true)] out JsonRpcMessageInfo? message, [NotNullWhen(false)] out string? error)
    {
        message = null;
        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0")
        {
            error = "not a JSON-RPC 2.0 message.";
            return false;
        }

        string? method = null;
        if (element.TryGetProperty("method", out var m))
        {
            if (m.ValueKind != JsonValueKind.String)
            {
                error = "method must be a string.";
                return false;
            }

            method = m.GetString();
        }

        // MCP's ids are strings or integers: any other (1.5, 1e400, an object) is no id a server or the gateway can answer.
        string? id = null;
        if (element.TryGetProperty("id", out var i) && i.ValueKind != JsonValueKind.Null)
        {
            if (i.ValueKind != JsonValueKind.String && !(i.ValueKind == JsonValueKind.Number && i.TryGetInt64(out _)))
            {
                error = "id must be a string or an integer.";
                return false;
            }

            id = i.GetRawText();
        }

        string? tool = null;
        if (method == "tools/call")
        {
            if (!element.TryGetProperty("params", out var parameters) || parameters.ValueKind != JsonValueKind.Object
                || !parameters.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(name.GetString()))
            {
                error = "tools/call needs params.name.";
                return false;
            }

            tool = name.GetString();
        }

        message = new JsonRpcMessageInfo(method, id, tool);
        error = null;
        return true;
    }
}
