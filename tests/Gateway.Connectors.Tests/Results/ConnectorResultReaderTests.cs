using System.Text;
using System.Text.Json;
using Gateway.Connectors.Models;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Results;
using Gateway.Policy;

namespace Gateway.Connectors.Tests.Results;

public sealed class ConnectorResultReaderTests
{
    private readonly RedactionCounts _counts = new();

    private ConnectorResult Read(ConnectorKind kind, string? contentType, string body, int status = 200, string? jsonRpcId = null, bool truncated = false) =>
        ConnectorResultReader.Read(kind, status, contentType, Encoding.UTF8.GetBytes(body), jsonRpcId, truncated, _counts);

    private static JsonElement Json(ConnectorResult result) => JsonDocument.Parse(result.Json).RootElement.Clone();

    private static string Text(ConnectorResult result) => JsonSerializer.Deserialize<string>(result.Json.Span)!;

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/problem+json")]
    [InlineData("Application/JSON")]
    public void Json_RedactedAndCounted(string contentType)
    {
        var result = Read(ConnectorKind.Http, contentType, """{"email":"customer@example.com","n":1}""");

        Assert.Equal(200, result.StatusCode);
        Assert.Equal("[REDACTED:email]", Json(result).GetProperty("email").GetString());
        Assert.Equal(1, Json(result).GetProperty("n").GetInt32());
        Assert.Equal(1, _counts[RedactionKind.Email]);
        Assert.Null(result.Usage);
        Assert.False(result.Truncated);
    }

    [Fact]
    public void DeclaredJsonButNot_ReportedAsRedactedText()
    {
        var result = Read(ConnectorKind.Http, "application/json", "oops, mail ann@example.com", status: 500);

        Assert.Equal(500, result.StatusCode);
        Assert.Equal("oops, mail [REDACTED:email]", Text(result));
        Assert.Equal(1, _counts.Total);
    }

    [Theory]
    [InlineData(ConnectorKind.Http, "text/xml; charset=utf-16", true)]
    [InlineData(ConnectorKind.Http, "application/json; charset=UTF-16LE", false)]
    [InlineData(ConnectorKind.Http, "application/json", false)]
    [InlineData(ConnectorKind.Http, "text/plain", true)]
    [InlineData(ConnectorKind.Context, null, false)]
    [InlineData(ConnectorKind.Webhook, "application/octet-stream", true)]
    public void Utf16Text_CharsetDeclaredOrNot_RefusedNotReturned(ConnectorKind kind, string? contentType, bool byteOrderMark)
    {
        var text = Encoding.Unicode.GetBytes("Authorization: " + Samples.Bearer + ", contact jane@example.com");
        var body = byteOrderMark ? [.. Encoding.Unicode.GetPreamble(), .. text] : text;

        Assert.Throws<InvalidDataException>(() => ConnectorResultReader.Read(kind, 200, contentType, body, null, truncated: false, _counts));
        Assert.Equal(0, _counts.Total);
    }

    [Theory]
    [InlineData(ConnectorKind.Http, "text/plain; charset=us-ascii")]
    [InlineData(ConnectorKind.Http, "application/json; charset=ascii")]
    [InlineData(ConnectorKind.McpTool, "text/event-stream; charset=US-ASCII")]
    public void AsciiDeclaredBodyWithAByteAbove7F_RefusedNotReturned(ConnectorKind kind, string contentType)
    {
        // Valid UTF-8, yet bytes above 0x7F, which a reader of the declared charset takes for other characters.
        var body = Encoding.UTF8.GetBytes("card 4111\u00961111\u00961111\u00961111");

        Assert.Throws<InvalidDataException>(() => ConnectorResultReader.Read(kind, 200, contentType, body, null, truncated: false, _counts));
    }

    [Theory]
    [InlineData(ConnectorKind.Http, "text/plain")]
    [InlineData(ConnectorKind.Http, "application/json")]
    [InlineData(ConnectorKind.Http, "text/event-stream")]
    [InlineData(ConnectorKind.McpTool, "application/json")]
    public void InvalidUtf8_CardSplitByLatin1Spaces_RefusedNotReturned(ConnectorKind kind, string contentType)
    {
        // Latin-1 no-break spaces: U+FFFD to a UTF-8 decoder, no separator to the card pattern, a space to the agent's reader.
        byte[] card = [.. "4111"u8, 0xA0, .. "1111"u8, 0xA0, .. "1111"u8, 0xA0, .. "1111"u8];
        byte[] body = contentType switch
        {
            "text/event-stream" => [.. "data: "u8, .. card, .. "\n\n"u8],
            _ when kind == ConnectorKind.McpTool => [.. "{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"result\":{\"text\":\""u8, .. card, .. "\"}}"u8],
            "application/json" => [.. "{\"card\":\""u8, .. card, .. "\"}"u8],
            _ => card,
        };

        Assert.Throws<InvalidDataException>(() => ConnectorResultReader.Read(kind, 200, contentType, body, kind == ConnectorKind.McpTool ? "1" : null, truncated: false, _counts));
    }

    [Fact]
    public void TruncatedBody_CutInsideACharacter_IsReturnedWithoutIt()
    {
        // Past the streaming redactor's hold-back, which a cut body's end is not returned within.
        byte[] body = [.. "caf\u00e9 "u8, .. Encoding.UTF8.GetBytes(new string(' ', SensitivePatterns.MaxBoundedMatchLength)), 0xC3];

        var result = ConnectorResultReader.Read(ConnectorKind.Http, 200, "text/plain", body, null, truncated: true, _counts);

        Assert.StartsWith("caf\u00e9 ", Text(result), StringComparison.Ordinal);
        Assert.DoesNotContain('\uFFFD', Text(result));
    }

    [Fact]
    public void AsciiDeclaredBody_AllBytesAscii_IsRedacted()
    {
        var text = Read(ConnectorKind.Http, "text/plain; charset=us-ascii", "call jane@example.com");

        Assert.Equal("call [REDACTED:email]", Text(text));
    }

    [Fact]
    public void DeclaredUnreadableCharset_EmptyBody_IsNull()
    {
        var result = ConnectorResultReader.Read(ConnectorKind.Http, 204, "application/json; charset=utf-16", [], null, truncated: false, _counts);

        Assert.Equal("null", Encoding.UTF8.GetString(result.Json.Span));
    }

    [Fact]
    public void PlainText_RedactedAsJsonString_EmptyBodyNull()
    {
        var text = Read(ConnectorKind.Http, "text/plain; charset=utf-8", "call jane@example.com");
        var untyped = Read(ConnectorKind.Webhook, null, """{"email":"a@example.com"}""");
        var empty = Read(ConnectorKind.Http, "application/json", string.Empty, status: 204);

        Assert.Equal("call [REDACTED:email]", Text(text));
        Assert.Equal("""{"email":"[REDACTED:email]"}""", Text(untyped));
        Assert.Equal(204, empty.StatusCode);
        Assert.Equal("null", Encoding.UTF8.GetString(empty.Json.Span));
        Assert.Equal(2, _counts[RedactionKind.Email]);
    }

    private const string OpenAiStream =
        "data: {\"choices\":[{\"delta\":{\"content\":\"Hi bob@example.com\"}}]}\n\n"
        + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,\"total_tokens\":18}}\n\n"
        + "data: [DONE]\n\n";

    [Fact]
    public void OpenAi_EventStream_RedactedEventByEventWithUsage()
    {
        var result = Read(ConnectorKind.OpenAI, "text/event-stream", OpenAiStream);

        Assert.Equal(new ModelUsage(11, 7), result.Usage);
        var text = Text(result);
        Assert.Contains("Hi [REDACTED:email]", text, StringComparison.Ordinal);
        Assert.DoesNotContain("bob@example.com", text, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", text, StringComparison.Ordinal);
        Assert.Equal(1, _counts.Total);
    }

    [Fact]
    public void EventStream_NonModelConnector_RedactedWithoutUsage()
    {
        var result = Read(ConnectorKind.Http, "text/event-stream", "data: {\"card\":\"4111 1111 1111 1111\"}\n\ndata: [DONE]\n\n");

        Assert.Equal("data: {\"card\":\"[REDACTED:card_number]\"}\n\ndata: [DONE]\n\n", Text(result));
        Assert.Equal(1, _counts[RedactionKind.CardNumber]);
        Assert.Null(result.Usage);
    }

    [Fact]
    public void Model_UsageFromJson()
    {
        var openAi = Read(ConnectorKind.OpenAI, "application/json", """{"model":"m","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}""");
        var anthropic = Read(ConnectorKind.Anthropic, "application/json", """{"model":"c","usage":{"input_tokens":10,"output_tokens":4,"cache_read_input_tokens":2}}""");
        var http = Read(ConnectorKind.Http, "application/json", """{"usage":{"prompt_tokens":5,"completion_tokens":3}}""");

        Assert.Equal(new ModelUsage(5, 3), openAi.Usage);
        Assert.Equal("m", Json(openAi).GetProperty("model").GetString());
        Assert.Equal(new ModelUsage(12, 4) { Cache = new PromptCacheTokens(0, 0, 2) }, anthropic.Usage);
        Assert.Null(http.Usage);
    }

    [Fact]
    public void Anthropic_UsageFromMessageStartAndDelta()
    {
        var sse = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n"
            + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"hello\"}}\n\n"
            + "event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":15}}\n\n";

        Assert.Equal(new ModelUsage(25, 15), Read(ConnectorKind.Anthropic, "text/event-stream", sse).Usage);
    }

    private const string McpReply = """{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"create mail ann@example.com"}]}}""";

    private static string McpText(ConnectorResult result) => Json(result).GetProperty("content")[0].GetProperty("text").GetString()!;

    [Fact]
    public void Mcp_JsonReply_MatchedByIdAndRedacted()
    {
        var single = Read(ConnectorKind.McpTool, "application/json", McpReply, jsonRpcId: "7");
        var batch = Read(ConnectorKind.McpTool, "application/json", """[{"jsonrpc":"2.0","id":6,"result":{"other":true}},""" + McpReply + "]", jsonRpcId: "7");
        var stringId = Read(ConnectorKind.McpTool, "application/json", """{"jsonrpc":"2.0","id":"7","result":{"ok":true}}""", jsonRpcId: "7");

        Assert.Equal(200, single.StatusCode);
        Assert.Equal("create mail [REDACTED:email]", McpText(single));
        Assert.Equal("create mail [REDACTED:email]", McpText(batch));
        Assert.True(Json(stringId).GetProperty("ok").GetBoolean());
        Assert.Equal(2, _counts[RedactionKind.Email]);
    }

    [Fact]
    public void Mcp_EventStreamReply_MatchedByIdPastNotifications()
    {
        var sse = "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\n"
            + ": keep-alive\n\n"
            + "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":6,\"result\":{\"stale\":true}}\n\n"
            + "event: message\ndata: " + McpReply + "\n\n";

        var result = Read(ConnectorKind.McpTool, "text/event-stream", sse, jsonRpcId: "7");

        Assert.Equal(200, result.StatusCode);
        Assert.Equal("create mail [REDACTED:email]", McpText(result));
    }

    [Fact]
    public void Mcp_EventStreamReply_CrLinesSeveralDataLinesAndByteOrderMark_Matched()
    {
        var sse = "\uFEFFevent: message\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\r\n\r\n"
            + "event: message\rdata: " + McpReply[..17] + "\rdata: " + McpReply[17..] + "\r\r";

        var result = Read(ConnectorKind.McpTool, "text/event-stream", sse, jsonRpcId: "7");

        Assert.Equal(200, result.StatusCode);
        Assert.Equal("create mail [REDACTED:email]", McpText(result));
    }

    [Fact]
    public void Mcp_EventStreamReplyInAnUnterminatedLastEvent_NotDispatched()
    {
        var result = Read(ConnectorKind.McpTool, "text/event-stream", "event: message\ndata: " + McpReply + "\n", jsonRpcId: "7");

        Assert.Equal(502, result.StatusCode);
    }

    [Fact]
    public void Mcp_JsonRpcError_502WithError()
    {
        var result = Read(ConnectorKind.McpTool, "application/json", """{"jsonrpc":"2.0","id":7,"error":{"code":-32602,"message":"unknown tool"}}""", jsonRpcId: "7");

        Assert.Equal(502, result.StatusCode);
        Assert.Equal(-32602, Json(result).GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData(401)]
    [InlineData(404)]
    [InlineData(503)]
    public void Mcp_Non2xx_ThatStatusAndNull(int status)
    {
        var result = Read(ConnectorKind.McpTool, "application/json", McpReply, status: status, jsonRpcId: "7");

        Assert.Equal(status, result.StatusCode);
        Assert.Equal("null", Encoding.UTF8.GetString(result.Json.Span));
    }

    [Fact]
    public void Mcp_NoReplyToTheCall_502()
    {
        Assert.Equal(502, Read(ConnectorKind.McpTool, "application/json", McpReply, jsonRpcId: "8").StatusCode);
        Assert.Equal(502, Read(ConnectorKind.McpTool, "application/json", "not json", jsonRpcId: "7").StatusCode);
        Assert.Equal(502, Read(ConnectorKind.McpTool, "application/json", McpReply, jsonRpcId: null).StatusCode);
    }

    [Fact]
    public void Context_Truncated_ReportedAsTextEvenWhenJson()
    {
        var padding = new string(' ', SensitivePatterns.MaxBoundedMatchLength);
        var cut = Read(ConnectorKind.Context, "application/json", """{"pack":"scope=hr;""" + padding + "mail ann@", truncated: true);
        var text = Read(ConnectorKind.Context, "text/plain; charset=utf-8", "scope=hr docs;query=a&b;éé" + padding, truncated: true);
        var whole = Read(ConnectorKind.Context, "text/plain; charset=utf-8", "scope=s;query=q;éé");

        Assert.True(cut.Truncated);
        Assert.StartsWith("""{"pack":"scope=hr;""", Text(cut), StringComparison.Ordinal);
        Assert.True(text.Truncated);
        Assert.StartsWith("scope=hr docs;query=a&b;éé", Text(text), StringComparison.Ordinal);
        Assert.False(whole.Truncated);
        Assert.EndsWith("éé", Text(whole), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("text/event-stream")]
    public void Context_TruncatedInsideAValue_NoPrefixOfItIsReturned(string contentType)
    {
        // What the addresses' redaction takes off brings the cut value's prefix closer to the start: it is dropped all the same.
        var addresses = string.Concat(Enumerable.Range(0, 40).Select(i => $"{i:D3}aaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com "));
        var body = (contentType == "text/plain" ? "" : "data: ") + addresses + "4111 1111 1111 111";

        var result = Read(ConnectorKind.Context, contentType, body, truncated: true);

        Assert.True(result.Truncated);
        Assert.DoesNotContain("4111", Text(result), StringComparison.Ordinal);
        Assert.DoesNotContain("@example.com", Text(result), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(8)]
    public void Context_MaxBytesCutInsideAValueRedactionMatches_NoPrefixOfItIsReturned(int shortOfTheEnd)
    {
        const string body = "owner: customer@example.com; due friday";
        var end = body.IndexOf(';', StringComparison.Ordinal);

        var result = ConnectorResultReader.Read(ConnectorKind.Context, 200, "text/plain", Encoding.UTF8.GetBytes(body), null, truncated: false, _counts, maxBytes: end - shortOfTheEnd);

        var text = Text(result);
        Assert.DoesNotContain("customer@", text, StringComparison.Ordinal);
        Assert.StartsWith("owner: [REDACTED", text, StringComparison.Ordinal);
        Assert.True(Encoding.UTF8.GetByteCount(text) <= end - shortOfTheEnd);
        Assert.True(result.Truncated);
        Assert.Equal(1, _counts[RedactionKind.Email]);
    }
}
