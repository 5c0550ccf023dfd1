using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Mcp;

/// <summary>
/// Rewrites MCP <c>tools/list</c> results so an agent sees only the tools it may call (the predicate is the
/// host's): in a JSON body (one response or a batch) or, as an <see cref="IBodyTransform"/>, in an SSE
/// stream (each event's JSON-RPC message filtered). Messages that are not tools/list results pass unchanged.
/// </summary>
public sealed class ToolsListFilter : IBodyTransform
{
    private readonly Func<string, bool> _allowed;
    private readonly ArrayBufferWriter<byte> _line = new(256);
    private readonly List<string> _event = [];
    private readonly int _maxEventBytes;
    private int _eventBytes;

    public ToolsListFilter(Func<string, bool> allowed, int maxEventBytes = 4 * 1024 * 1024)
    {
        _allowed = allowed ?? throw new ArgumentNullException(nameof(allowed));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEventBytes);
        _maxEventBytes = maxEventBytes;
    }

    /// <summary>How many tools were removed so far.</summary>
    public int Removed { get; private set; }

    /// <summary>Filters a JSON body; returns it unchanged when it is not JSON or holds no tools/list result.</summary>
    public byte[] FilterJson(ReadOnlySpan<byte> body)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return body.ToArray();
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

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        while (!input.IsEmpty)
        {
            var newline = input.IndexOf((byte)'\n');
            var part = newline < 0 ? input : input[..newline];
            _eventBytes += part.Length + 1;
            if (_eventBytes > _maxEventBytes)
            {
                throw new InvalidDataException($"A server-sent event is larger than {_maxEventBytes} bytes.");
            }

            _line.Write(part);
            if (newline < 0)
            {
                return;
            }

            var line = _line.WrittenSpan;
            if (!line.IsEmpty && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (line.IsEmpty)
            {
                FlushEvent(output, terminated: true);
            }
            else
            {
                _event.Add(Encoding.UTF8.GetString(line));
            }

            _line.ResetWrittenCount();
            input = input[(newline + 1)..];
        }
    }

    /// <inheritdoc/>
    public void Complete(IBufferWriter<byte> output)
    {
        if (_line.WrittenCount > 0)
        {
            _event.Add(Encoding.UTF8.GetString(_line.WrittenSpan));
            _line.ResetWrittenCount();
        }

        if (_event.Count > 0)
        {
            FlushEvent(output, terminated: false);
        }
    }

    private bool FilterMessage(JsonNode? message)
    {
        if (message is not JsonObject obj || obj["result"] is not JsonObject result || result["tools"] is not JsonArray tools)
        {
            return false;
        }

        var changed = false;
        for (var i = tools.Count - 1; i >= 0; i--)
        {
            var name = tools[i] is JsonObject tool && tool["name"] is JsonValue value && value.TryGetValue<string>(out var n) ? n : null;
            if (name is null || !_allowed(name))
            {
                tools.RemoveAt(i);
                Removed++;
                changed = true;
            }
        }

        return changed;
    }

    private void FlushEvent(IBufferWriter<byte> output, bool terminated)
    {
        var builder = new StringBuilder();
        var data = _event.Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l.Length > 5 && l[5] == ' ' ? l[6..] : l[5..]).ToList();
        var dataWritten = false;
        foreach (var line in _event)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                builder.Append(line).Append('\n');
            }
            else if (!dataWritten)
            {
                dataWritten = true;
                var joined = string.Join('\n', data);
                var filtered = Encoding.UTF8.GetString(FilterJson(Encoding.UTF8.GetBytes(joined)));
                foreach (var dataLine in filtered.Split('\n'))
                {
                    builder.Append("data: ").Append(dataLine).Append('\n');
                }
            }
        }

        if (terminated)
        {
            builder.Append('\n');
        }

        _event.Clear();
        _eventBytes = 0;
        var text = builder.ToString();
        var destination = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, destination));
    }
}
