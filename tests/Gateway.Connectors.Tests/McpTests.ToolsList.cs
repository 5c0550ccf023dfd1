using System.Buffers;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Envelopes;
using Gateway.Connectors.Mcp;

namespace Gateway.Connectors.Tests;

/// <summary>MCP messages read without a server: the JSON-RPC parser, the read-only guard and the tools/list filter (JSON and SSE).</summary>
public sealed partial class McpTests
{
    [Fact]
    public void Parser_SingleAndBatch()
    {
        Assert.True(McpRequestParser.TryParse("""{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search","arguments":{}}}"""u8, out var single, out _));
        Assert.False(single.IsBatch);
        Assert.Equal(new JsonRpcMessageInfo("tools/call", "3", "search"), single.Messages[0]);

        Assert.True(McpRequestParser.TryParse("""[{"jsonrpc":"2.0","id":"a","method":"tools/list"},{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"delete"}}]"""u8, out var batch, out _));
        Assert.True(batch.IsBatch);
        Assert.Equal(["delete"], batch.ToolNames);
        Assert.True(batch.Messages[1].IsNotification);
        Assert.Equal("\"a\"", batch.Messages[0].Id);

        Assert.False(McpRequestParser.TryParse("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}"""u8, out _, out var error));
        Assert.Contains("params.name", error, StringComparison.Ordinal);
        Assert.False(McpRequestParser.TryParse("[]"u8, out _, out _));
        Assert.False(McpRequestParser.TryParse("not json"u8, out _, out _));
    }

    [Fact]
    public void Parser_BatchPastItsBound_IsRefused()
    {
        static byte[] Pings(int count) => Encoding.UTF8.GetBytes("[" + string.Join(',', Enumerable.Range(1, count).Select(i => $$"""{"jsonrpc":"2.0","id":{{i}},"method":"ping"}""")) + "]");

        Assert.True(McpRequestParser.TryParse(Pings(McpRequestParser.MaxBatchLength), out var bounded, out _));
        Assert.Equal(McpRequestParser.MaxBatchLength, bounded.Messages.Count);
        Assert.False(McpRequestParser.TryParse(Pings(McpRequestParser.MaxBatchLength + 1), out _, out var error));
        Assert.Equal("a JSON-RPC batch of more than 32 messages.", error);
    }

    [Fact]
    public void ReadOnlyGuard_McpToolCallsNeedReadTools()
    {
        McpRequestParser.TryParse("""[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search"}}]"""u8, out var reads, out _);
        McpRequestParser.TryParse("""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"delete"}}"""u8, out var write, out _);
        static bool IsRead(string tool) => tool == "search";

        Assert.True(ReadOnlyGuard.IsMcpRequestAllowed(reads!, IsRead));
        Assert.False(ReadOnlyGuard.IsMcpRequestAllowed(write!, IsRead));
        Assert.True(ReadOnlyGuard.IsWriteVerb("PATCH"));
        Assert.False(ReadOnlyGuard.IsWriteVerb("get"));
    }

    private const string ToolsList = """{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"search","inputSchema":{}},{"name":"delete","inputSchema":{}},{"name":"read_file"}]}}""";

    [Fact]
    public void ToolsListFilter_Json_KeepsAllowedTools()
    {
        var filter = new ToolsListFilter(name => name != "delete");

        using var document = JsonDocument.Parse(filter.FilterJson(Encoding.UTF8.GetBytes(ToolsList)));

        Assert.Equal(["search", "read_file"], document.RootElement.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(1, filter.Removed);
        var other = """{"jsonrpc":"2.0","id":2,"result":{"content":[]}}"""u8.ToArray();
        Assert.Equal(other, filter.FilterJson(other));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \r\n")]
    public void ToolsListFilter_JsonWithNoMessage_PassesUnchanged(string body)
    {
        // 202 Accepted for a notification carries no message: nothing to filter, nothing to refuse.
        var filter = new ToolsListFilter(name => name == "search");

        Assert.Equal(Encoding.UTF8.GetBytes(body), filter.FilterJson(Encoding.UTF8.GetBytes(body)));
        Assert.Equal(0, filter.Removed);
    }

    [Fact]
    public void ToolsListFilter_Sse_EverySplitPoint()
    {
        var sse = Encoding.UTF8.GetBytes("event: message\nid: 9\ndata: " + ToolsList + "\n\n");
        for (var split = 0; split <= sse.Length; split++)
        {
            var filter = new ToolsListFilter(name => name == "search");
            var output = new ArrayBufferWriter<byte>();
            filter.Write(sse.AsSpan(0, split), output);
            filter.Write(sse.AsSpan(split), output);
            filter.Complete(output);
            var text = Encoding.UTF8.GetString(output.WrittenSpan);

            Assert.StartsWith("event: message\nid: 9\ndata: ", text, StringComparison.Ordinal);
            Assert.EndsWith("\n\n", text, StringComparison.Ordinal);
            using var document = JsonDocument.Parse(text.Split('\n')[2][6..]);
            Assert.Equal(["search"], document.RootElement.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        }
    }

    [Fact]
    public void ToolsListFilter_Sse_MessageOverSeveralDataLinesAndCrLf_FilteredAndOtherFieldsKept()
    {
        var filter = new ToolsListFilter(name => name == "search");
        var output = new ArrayBufferWriter<byte>();
        var message = ToolsList.Replace(",", ",\ndata:", StringComparison.Ordinal);

        filter.Write(Encoding.UTF8.GetBytes((": ping\ndata:" + message + "\nid: 4\n\n").Replace("\n", "\r\n", StringComparison.Ordinal)), output);

        var lines = Encoding.UTF8.GetString(output.WrittenSpan).Split('\n');
        Assert.Equal(": ping", lines[0]);
        Assert.StartsWith("data: ", lines[1], StringComparison.Ordinal);
        Assert.Equal(["id: 4", "", ""], lines[^3..]);
        var data = string.Join('\n', lines[1..^3].Select(l => l[6..]));
        using var document = JsonDocument.Parse(data);
        Assert.Equal(["search"], document.RootElement.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(2, filter.Removed);
    }

    [Theory]
    [InlineData("<html>search, delete</html>")]
    [InlineData("\"tools\"")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"result":{"tools":{"delete":{"name":"delete"}}}}""")]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"result":{"tools":[]}},"delete"]""")]
    public void ToolsListFilter_Json_WhatItCannotRead_Throws(string body)
    {
        var filter = new ToolsListFilter(name => name == "search");

        Assert.Throws<InvalidDataException>(() => filter.FilterJson(Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public void ToolsListFilter_Sse_PrimingEventWithEmptyData_PassesAndUnreadableDataThrows()
    {
        var filter = new ToolsListFilter(name => name == "search");
        var output = new ArrayBufferWriter<byte>();

        filter.Write("id: 1\ndata:\n\n"u8, output);

        Assert.Equal("id: 1\ndata: \n\n", Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Throws<InvalidDataException>(() => filter.Write("data: delete\n\n"u8, output));
    }
}
