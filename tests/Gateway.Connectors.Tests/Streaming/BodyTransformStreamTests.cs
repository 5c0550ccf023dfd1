using System.Text;
using Gateway.Connectors.Mcp;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Tests.Streaming;

/// <summary>
/// An MCP server's event stream as the provider route passes it on: through the tools/list filter and the
/// redactor, one write per network chunk, while the upstream keeps the stream open.
/// </summary>
public sealed class BodyTransformStreamTests
{
    [Fact]
    public async Task WriteAsync_ResumedMcpStreamAsServerEverythingSendsIt_EachEventPassedOnBeforeTheStreamEnds()
    {
        // server-everything's answer to a GET with Last-Event-ID: one chunk per replayed event (LF line ends,
        // "event: message", a UUID id), then a keep-alive comment, and the stream stays open.
        string[] chunks =
        [
            "event: message\nid: 9b06447c-5d68-4664-b6b1-25148ea7c414\ndata: {\"method\":\"notifications/progress\",\"params\":{\"progress\":2,\"total\":3,\"progressToken\":\"resume\"},\"jsonrpc\":\"2.0\"}\n\n",
            "event: message\nid: c10b54c9-0ee9-4645-9625-76538b2ce891\ndata: {\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"done for " + Samples.Email + "\"}]},\"jsonrpc\":\"2.0\",\"id\":2}\n\n",
            ": keepalive\n\n",
        ];
        using var inner = new MemoryStream();
        var counts = new RedactionCounts();
        var transforms = new BodyTransformChain([new ToolsListFilter(_ => true), BodyRedactors.For("text/event-stream", counts, holdSplitValues: false)]);
        await using var stream = new BodyTransformStream(inner, transforms);

        var passedOn = new List<string>();
        foreach (var chunk in chunks)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(chunk));
            passedOn.Add(Encoding.UTF8.GetString(inner.ToArray()));
        }

        Assert.Equal(chunks[0], passedOn[0]);
        var result = passedOn[1][chunks[0].Length..];
        Assert.StartsWith("event: message\nid: c10b54c9-0ee9-4645-9625-76538b2ce891\ndata: ", result, StringComparison.Ordinal);
        Assert.EndsWith("\"id\":2}\n\n", result, StringComparison.Ordinal);
        Assert.Contains("[REDACTED:email]", result, StringComparison.Ordinal);
        Assert.DoesNotContain(Samples.Email, result, StringComparison.Ordinal);
        Assert.Equal(passedOn[1] + chunks[2], passedOn[2]);
        Assert.Equal(1, counts[RedactionKind.Email]);
    }
}
