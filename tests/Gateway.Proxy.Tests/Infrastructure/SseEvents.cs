using System.Text;
using System.Text.Json;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>One server-sent event of a JSON-RPC stream: its id (if any) and its data as JSON.</summary>
public sealed record SseEvent(string? Id, JsonElement Json);

/// <summary>Reads the complete events of a server-sent event stream (MCP's streamable HTTP framing).</summary>
public static class SseEvents
{
    public static IReadOnlyList<SseEvent> Parse(string stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var events = new List<SseEvent>();
        var blocks = stream.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n");
        foreach (var block in blocks[..^1])
        {
            string? id = null;
            string? data = null;
            foreach (var line in block.Split('\n'))
            {
                if (line.StartsWith("id:", StringComparison.Ordinal))
                {
                    id = line[3..].TrimStart();
                }
                else if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data = line[5..].TrimStart();
                }
            }

            if (data is { Length: > 0 })
            {
                events.Add(new SseEvent(id, JsonDocument.Parse(data).RootElement.Clone()));
            }
        }

        return events;
    }

    /// <summary>Reads <paramref name="stream"/> up to the end of its first event, and returns that event.</summary>
    public static async Task<SseEvent> ReadFirstAsync(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var seen = new StringBuilder();
        var buffer = new byte[1024];
        while (!seen.ToString().Contains("\n\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.True(read > 0, $"the stream ended before its first event: {seen}");
            seen.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return Parse(seen.ToString())[0];
    }
}
