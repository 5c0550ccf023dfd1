using System.Text.Json;
using Gateway.Oversight.Http;
using Gateway.Policy;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Reads a <c>tools/call</c> sent to <c>/mcp</c> into the invoke-tool it is: the tool's name on <c>/mcp</c>
/// (<see cref="McpToolNames"/>) names the catalog entry, <c>params.arguments</c> are the action's arguments and
/// <c>params._meta["gamut.dev/warrant"]</c> an approval's warrant. Strict like every governed body: one JSON-RPC 2.0
/// request (no batch, no notification), no repeated member, an object of arguments.
/// </summary>
internal static class McpToolCallReader
{
    private static readonly JsonDocumentOptions StrictDocument = new() { MaxDepth = 64, AllowDuplicateProperties = false };

    /// <summary>The action, its JSON-RPC id (raw JSON) and the parsed body; or the refusal (with the id when one was read).</summary>
    public readonly record struct Result(ActionRequest? Request, Refusal? Refusal, string? Id, JsonElement Body);

    public static Result Read(TenantPolicy tenant, ReadOnlyMemory<byte> body)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(body, StrictDocument);
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return Refuse(null, ProblemCodes.MalformedBody, "The body is not one JSON-RPC message (not JSON, or a repeated member).");
        }

        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var idElement)
            || idElement.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
        {
            return Refuse(null, ProblemCodes.MalformedBody, "A tools/call must be one JSON-RPC request with an id.");
        }

        var id = idElement.GetRawText();
        if (!root.TryGetProperty("params", out var parameters) || parameters.ValueKind != JsonValueKind.Object
            || !parameters.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String)
        {
            return Refuse(id, ProblemCodes.MalformedBody, "tools/call needs params.name.");
        }

        var name = nameElement.GetString()!;
        if (!McpToolNames.For(tenant).TryResolve(name, out var entry))
        {
            return Refuse(id, ProblemCodes.UnknownTool, $"No tool '{Truncate(name)}' is served on /mcp to this agent; list the tools to see what it may use.");
        }

        var arguments = default(JsonElement);
        if (parameters.TryGetProperty("arguments", out var args) && args.ValueKind != JsonValueKind.Null)
        {
            if (args.ValueKind != JsonValueKind.Object)
            {
                return Refuse(id, ProblemCodes.MalformedBody, "params.arguments must be an object.");
            }

            arguments = args;
        }

        string? warrant = null;
        if (parameters.TryGetProperty("_meta", out var meta) && meta.ValueKind == JsonValueKind.Object
            && meta.TryGetProperty(McpEndpoint.WarrantMetaKey, out var warrantElement))
        {
            if (warrantElement.ValueKind != JsonValueKind.String)
            {
                return Refuse(id, ProblemCodes.MalformedBody, $"params._meta[\"{McpEndpoint.WarrantMetaKey}\"] must be a string.");
            }

            warrant = warrantElement.GetString();
        }

        return new Result(new ActionRequest { Tool = entry.Name, Args = arguments, Warrant = warrant }, null, id, root);
    }

    private static Result Refuse(string? id, string code, string detail) =>
        new(null, new Refusal(StatusCodes.Status400BadRequest, code, detail), id, default);

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
