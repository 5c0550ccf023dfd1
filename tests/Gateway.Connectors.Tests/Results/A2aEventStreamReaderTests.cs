using System.Text;
using System.Text.Json;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Results;
using Gateway.Policy;

namespace Gateway.Connectors.Tests.Results;

/// <summary>A streamed A2A answer: every reply to the gateway's id, in order, each redacted; others and keep-alives left out.</summary>
public sealed class A2aEventStreamReaderTests
{
    private const string Id = "a2a-stream-5";

    [Fact]
    public void Read_EventStream_KeepsEveryReplyToTheIdInOrderRedacted()
    {
        var body = Encoding.UTF8.GetBytes(
            ": keep-alive\n\n"
            + "data: {\"jsonrpc\":\"2.0\",\"id\":\"a2a-stream-5\",\"result\":{\"statusUpdate\":{\"taskId\":\"t1\",\"status\":{\"state\":\"TASK_STATE_WORKING\"}}}}\n\n"
            + "data: {\"jsonrpc\":\"2.0\",\"id\":\"other\",\"result\":{\"x\":1}}\n\n"
            + "data: {\"jsonrpc\":\"2.0\",\"id\":\"a2a-stream-5\",\"result\":{\"artifactUpdate\":{\"taskId\":\"t1\",\"text\":\"mail ops@example.com\"}}}\n\n"
            + "data: {\"jsonrpc\":\"2.0\",\"id\":\"a2a-stream-5\",\"error\":{\"code\":-32001,\"message\":\"gone\"}}\n\n"
            + "data: {\"jsonrpc\":\"2.0\",\"id\":\"a2a-stream-5\",\"result\":{\"cut\":");
        var counts = new RedactionCounts();

        var result = A2aEventStreamReader.Read(200, eventStream: true, body, Id, counts);

        using var replies = JsonDocument.Parse(result.Json);
        Assert.Equal(200, result.StatusCode);
        Assert.Equal(3, replies.RootElement.GetArrayLength());
        Assert.Equal("TASK_STATE_WORKING", replies.RootElement[0].GetProperty("result").GetProperty("statusUpdate").GetProperty("status").GetProperty("state").GetString());
        Assert.DoesNotContain("ops@example.com", replies.RootElement[1].GetRawText(), StringComparison.Ordinal);
        Assert.Equal(-32001, replies.RootElement[2].GetProperty("error").GetProperty("code").GetInt32());
        Assert.NotEmpty(counts.ToDictionary());
    }

    [Fact]
    public void Read_NoReplyToTheId_Is502()
    {
        var body = Encoding.UTF8.GetBytes("data: {\"jsonrpc\":\"2.0\",\"id\":\"other\",\"result\":{}}\n\n");

        Assert.Equal(502, A2aEventStreamReader.Read(200, eventStream: true, body, Id, new RedactionCounts()).StatusCode);
        Assert.Equal(503, A2aEventStreamReader.Read(503, eventStream: true, body, Id, new RedactionCounts()).StatusCode);
    }

    [Fact]
    public void ConnectorResultReader_A2aStreamId_ReadsTheWholeStream()
    {
        var body = Encoding.UTF8.GetBytes("data: {\"jsonrpc\":\"2.0\",\"id\":\"a2a-stream-5\",\"result\":{\"a\":1}}\n\ndata: {\"jsonrpc\":\"2.0\",\"id\":\"a2a-stream-5\",\"result\":{\"a\":2}}\n\n");

        var result = ConnectorResultReader.Read(ConnectorKind.A2a, 200, "text/event-stream", body, Id, truncated: false, new RedactionCounts());

        using var replies = JsonDocument.Parse(result.Json);
        Assert.Equal(2, replies.RootElement.GetArrayLength());
    }
}
