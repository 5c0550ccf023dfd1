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
/// stream (each event's JSON-RPC message filtered). Messages that are not tools/list results pass unchanged;
/// what cannot be read as JSON-RPC throws <see cref="InvalidDataException"/> (the host refuses it).
/// </summary>
public sealed class ToolsListFilter : SseEventTransform
{
    private readonly Func<string, JsonObject, bool> _allowed;

    /// <summary>Keeps the tools whose name <paramref name="allowed"/> accepts.</summary>
    public ToolsListFilter(Func<string, bool> allowed, int maxEventBytes = 4 * 1024 * 1024)
        : this(Named(allowed), maxEventBytes)
    {
    }

    /// <summary>Keeps the tools <paramref name="allowed"/> accepts, given each one's name and its definition as served.</summary>
    public ToolsListFilter(Func<string, JsonObject, bool> allowed, int maxEventBytes = 4 * 1024 * 1024)
        : base(maxEventBytes)
    {
        _allowed = allowed ?? throw new ArgumentNullException(nameof(allowed));
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

        if (obj["result"] is not JsonObject result || !result.TryGetPropertyValue("tools", out var listed))
        {
            return false;
        }

        if (listed is not JsonArray tools)
        {
            throw new InvalidDataException("The tools of a tools/list result are not an array.");
        }

        var changed = false;
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
