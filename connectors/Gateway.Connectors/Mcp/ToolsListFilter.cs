using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Mcp;

/// <summary>
/// Rewrites MCP <c>tools/list</c> results so an agent sees only the tools it may call (the predicate is the
/// host's, and is given each tool's definition as served, so that a pinned tool whose definition drifted is left out
/// too): in a JSON body (one response or a batch) or, as an <see cref="IBodyTransform"/>, in an SSE
/// stream (each event's JSON-RPC message filtered). Given a read predicate, the items of <c>resources/list</c>,
/// <c>resources/templates/list</c> and <c>prompts/list</c> results are filtered too, each by the read it names (a resource's
/// <c>{uri}</c>, a template's <c>{uri}</c> as written, a prompt's <c>{prompt, arguments:{}}</c>, the arguments <c>/mcp</c>
/// decides those reads with). Messages that are none of these pass unchanged; what cannot be read as JSON-RPC throws
/// <see cref="InvalidDataException"/> (the host refuses it).
/// </summary>
public sealed class ToolsListFilter : SseEventTransform
{
    private readonly Func<string, JsonObject, bool> _allowed;
    private readonly Func<JsonObject, bool>? _readable;

    /// <summary>Keeps the tools whose name <paramref name="allowed"/> accepts.</summary>
    public ToolsListFilter(Func<string, bool> allowed, int maxEventBytes = 4 * 1024 * 1024)
        : this(Named(allowed), maxEventBytes)
    {
    }

    /// <summary>Keeps the tools <paramref name="allowed"/> accepts, given each one's name and its definition as served.</summary>
    public ToolsListFilter(Func<string, JsonObject, bool> allowed, int maxEventBytes = 4 * 1024 * 1024)
        : this(allowed, null, maxEventBytes)
    {
    }

    /// <summary>
    /// Keeps the tools <paramref name="allowed"/> accepts, and the resources, resource templates and prompts whose read
    /// <paramref name="readable"/> accepts (given the read's arguments; an item without its URI or name is left out).
    /// </summary>
    public ToolsListFilter(Func<string, JsonObject, bool> allowed, Func<JsonObject, bool>? readable, int maxEventBytes = 4 * 1024 * 1024)
        : base(maxEventBytes)
    {
        _allowed = allowed ?? throw new ArgumentNullException(nameof(allowed));
        _readable = readable;
    }

    private static Func<string, JsonObject, bool> Named(Func<string, bool> allowed)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        return (name, _) => allowed(name);
    }

    /// <summary>How many tools were removed so far.</summary>
    public int Removed { get; private set; }

    /// <summary>
    /// Filters a JSON body (one JSON-RPC message or a batch); returns it unchanged when it holds no tools/list
    /// result, or nothing at all. Throws <see cref="InvalidDataException"/> for anything it cannot read as JSON-RPC (not JSON, not
    /// an object or an array of objects, a <c>tools</c> that is not an array): fail closed, never passed through.
    /// </summary>
    public byte[] FilterJson(ReadOnlySpan<byte> body)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty)
        {
            // No message at all (202 Accepted for a notification or a response): nothing to filter.
            return body.ToArray();
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("The answer to tools/list is not JSON.", ex);
        }

        var changed = false;
        if (root is JsonArray batch)
        {
            foreach (var item in batch)
            {
                changed |= FilterMessage(item);
            }
        }
        else
        {
            changed = FilterMessage(root);
        }

        return changed ? Encoding.UTF8.GetBytes(root!.ToJsonString()) : body.ToArray();
    }

    private bool FilterMessage(JsonNode? message)
    {
        if (message is not JsonObject obj)
        {
            throw new InvalidDataException("The answer to tools/list is not a JSON-RPC message.");
        }

        if (obj["result"] is not JsonObject result)
        {
            return false;
        }

        var changed = _readable is not null && (FilterReads(result, "resources", "uri", ResourceRead)
            | FilterReads(result, "resourceTemplates", "uriTemplate", ResourceRead)
            | FilterReads(result, "prompts", "name", PromptRead));
        if (!result.TryGetPropertyValue("tools", out var listed))
        {
            return changed;
        }

        if (listed is not JsonArray tools)
        {
            throw new InvalidDataException("The tools of a tools/list result are not an array.");
        }

        for (var i = tools.Count - 1; i >= 0; i--)
        {
            var tool = tools[i] as JsonObject;
            var name = tool?["name"] is JsonValue value && value.TryGetValue<string>(out var n) ? n : null;
            if (name is null || !_allowed(name, tool!))
            {
                tools.RemoveAt(i);
                Removed++;
                changed = true;
            }
        }

        return changed;
    }

    private static JsonObject ResourceRead(string uri) => new() { ["uri"] = uri };

    private static JsonObject PromptRead(string name) => new() { ["prompt"] = name, ["arguments"] = new JsonObject() };

    /// <summary>
    /// Leaves out of <paramref name="result"/>'s <paramref name="member"/> (when it has one) each item whose read, named by
    /// its string <paramref name="key"/> (<paramref name="readOf"/>), is not readable; true when any was left out.
    /// </summary>
    private bool FilterReads(JsonObject result, string member, string key, Func<string, JsonObject> readOf)
    {
        if (!result.TryGetPropertyValue(member, out var listed))
        {
            return false;
        }

        if (listed is not JsonArray items)
        {
            throw new InvalidDataException($"The {member} of a listing are not an array.");
        }

        var changed = false;
        for (var i = items.Count - 1; i >= 0; i--)
        {
            var named = items[i] is JsonObject item && item[key] is JsonValue value && value.TryGetValue<string>(out var n) ? n : null;
            if (named is null || !_readable!(readOf(named)))
            {
                items.RemoveAt(i);
                changed = true;
            }
        }

        return changed;
    }

    /// <inheritdoc/>
    protected override void WriteEvent(in SseEvent sseEvent, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);

        // The event's data is its one JSON-RPC message. An empty data field (a stream's priming event)
        // carries no message; anything else must be JSON-RPC.
        var data = sseEvent.Data;
        var filtered = !sseEvent.HasData || data.Trim(" \t\r\n"u8).IsEmpty ? data : FilterJson(data);
        for (var i = 0; i < sseEvent.LineCount; i++)
        {
            var line = sseEvent.Line(i);
            if (!SseField.IsData(line))
            {
                output.Write(line);
                output.Write("\n"u8);
            }
            else if (i == sseEvent.FirstDataLine)
            {
                // The filtered message, line by line, each as "data: …".
                var rest = filtered;
                while (true)
                {
                    var newline = rest.IndexOf((byte)'\n');
                    output.Write("data: "u8);
                    output.Write(newline < 0 ? rest : rest[..newline]);
                    output.Write("\n"u8);
                    if (newline < 0)
                    {
                        break;
                    }

                    rest = rest[(newline + 1)..];
                }
            }
        }

        if (sseEvent.Terminated)
        {
            output.Write("\n"u8);
        }
    }
}
