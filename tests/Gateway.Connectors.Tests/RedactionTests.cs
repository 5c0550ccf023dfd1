using System.Buffers;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Tests;

public sealed class RedactionTests
{
    public static TheoryData<string, RedactionKind> Positives => new()
    {
        { Samples.Email, RedactionKind.Email },
        { Samples.Bearer, RedactionKind.BearerToken },
        { Samples.Jwt, RedactionKind.Jwt },
        { Samples.OpenAiKey, RedactionKind.ApiKey },
        { Samples.AnthropicKey, RedactionKind.ApiKey },
        { Samples.AwsKey, RedactionKind.ApiKey },
        { Samples.GitHubToken, RedactionKind.ApiKey },
        { Samples.SlackToken, RedactionKind.ApiKey },
        { Samples.GoogleKey, RedactionKind.ApiKey },
        { Samples.PrivateKey, RedactionKind.PrivateKey },
        { Samples.Card, RedactionKind.CardNumber },
        { Samples.CardDashed, RedactionKind.CardNumber },
        { "378282246310005", RedactionKind.CardNumber },
    };

    [Theory]
    [MemberData(nameof(Positives))]
    public void Redact_SensitiveValue_ReplacedAndCounted(string value, RedactionKind kind)
    {
        var counts = new RedactionCounts();
        var text = TextRedactor.Redact($"before {value} after", counts);

        Assert.Equal($"before [REDACTED:{kind.ToWireName()}] after", text);
        Assert.Equal(1, counts[kind]);
        Assert.Equal(1, counts.Total);
    }

    [Theory]
    [InlineData("Order 4111111111111112 shipped")]
    [InlineData("order number 1234567890123456")]
    [InlineData("id 550e8400-e29b-41d4-a716-446655440000")]
    [InlineData("sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    [InlineData("tracking 1Z999AA10123456784 and phone +1 415 555 0100")]
    [InlineData("The bearer of this letter is trusted.")]
    [InlineData("price 12.50, qty 3, total 37.50 on 2026-01-01")]
    [InlineData("task-runner and desk-assistant-profile-2024")]
    [InlineData("user at example dot com")]
    public void Redact_OrdinaryText_Unchanged(string text)
    {
        var counts = new RedactionCounts();
        Assert.Same(text, TextRedactor.Redact(text, counts));
        Assert.Equal(0, counts.Total);
    }

    [Fact]
    public void Redact_Base64Image_Unchanged()
    {
        var bytes = new byte[3000];
        new Random(7).NextBytes(bytes);
        var text = "data:image/png;base64," + Convert.ToBase64String(bytes);
        Assert.Same(text, TextRedactor.Redact(text, new RedactionCounts()));
    }

    [Fact]
    public void Luhn_DistinguishesCardsFromOrderNumbers()
    {
        var counts = new RedactionCounts();
        Assert.Equal("[REDACTED:card_number]", TextRedactor.Redact("4242424242424242", counts));
        Assert.Equal("4242424242424241", TextRedactor.Redact("4242424242424241", counts));
        Assert.Equal("1242424242424242", TextRedactor.Redact("1242424242424242", counts));
        Assert.Equal(1, counts.Total);
    }

    [Fact]
    public void RedactJson_StringValues_RedactedDocumentStaysValid()
    {
        var json = $$"""{"user":{"email":"{{Samples.Email}}","orders":[4111111111111112,"{{Samples.Card}}"]},"note":"call me at {{Samples.Email}}\nthanks","n":1.50e3,"ok":true,"x":null}""";
        var counts = new RedactionCounts();

        var output = JsonRedactor.Redact(Encoding.UTF8.GetBytes(json), counts);
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;

        Assert.Equal("[REDACTED:email]", root.GetProperty("user").GetProperty("email").GetString());
        Assert.Equal(4111111111111112, root.GetProperty("user").GetProperty("orders")[0].GetInt64());
        Assert.Equal("[REDACTED:card_number]", root.GetProperty("user").GetProperty("orders")[1].GetString());
        Assert.Equal("call me at [REDACTED:email]\nthanks", root.GetProperty("note").GetString());
        Assert.Equal("1.50e3", root.GetProperty("n").GetRawText());
        Assert.Equal(2, counts[RedactionKind.Email]);
        Assert.Equal(1, counts[RedactionKind.CardNumber]);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(5000)]
    public void RedactJson_SecretsInShortLongAndEscapedStrings_RedactedAndOthersKeptExactly(int padding)
    {
        // Strings up to 256 characters are checked on the stack and written without a string when clean; longer ones
        // take the string path: both must give the same document, escapes decoded either way.
        var pad = new string('x', padding);
        var json = $$"""{"{{Samples.Email}}":"{{pad}} {{Samples.OpenAiKey}}","clean":"{{pad}}","esc\u0041ped":"tab\there \u00e9 \ud834\udd1e {{pad}}","{{pad}}":1}""";
        var counts = new RedactionCounts();

        var output = JsonRedactor.Redact(Encoding.UTF8.GetBytes(json), counts);
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;

        Assert.Equal(pad + " [REDACTED:api_key]", root.GetProperty("[REDACTED:email]").GetString());
        Assert.Equal(pad, root.GetProperty("clean").GetString());
        Assert.Equal("tab\there \u00e9 \U0001D11E " + pad, root.GetProperty("escAped").GetString());
        Assert.Equal(1, root.GetProperty(pad).GetInt32());
        Assert.Equal(1, counts[RedactionKind.Email]);
        Assert.Equal(1, counts[RedactionKind.ApiKey]);
    }

    [Fact]
    public void RedactJson_LargeThenSmallDocumentOnOneThread_SecondCarriesNothingOfTheFirst()
    {
        var large = Encoding.UTF8.GetBytes($$"""{"big":"{{new string('y', 400_000)}}"}""");
        var small = Encoding.UTF8.GetBytes("""{"a":"b"}""");

        var first = JsonRedactor.Redact(large, new RedactionCounts());
        var second = JsonRedactor.Redact(small, new RedactionCounts());

        Assert.Equal(large.Length, first.Length);
        Assert.Equal("""{"a":"b"}""", Encoding.UTF8.GetString(second));
    }

    private static string StreamSample() =>
        $"Hello {Samples.Email}, key {Samples.OpenAiKey} and token {Samples.Bearer}; jwt {Samples.Jwt}. Card {Samples.Card}, order 4111111111111112. "
        + $"é€𝄞 unicode; pem {Samples.PrivateKey} end. aws {Samples.AwsKey}";

    [Fact]
    public void StreamingText_EverySplitPoint_SameAsWholeText()
    {
        var sample = StreamSample();
        var expectedCounts = new RedactionCounts();
        var expected = TextRedactor.Redact(sample, expectedCounts);
        var bytes = Encoding.UTF8.GetBytes(sample);

        for (var split = 0; split <= bytes.Length; split++)
        {
            var counts = new RedactionCounts();
            var output = RunChunks(new Utf8TextBodyRedactor(counts), bytes[..split], bytes[split..]);
            Assert.Equal(expected, output);
            Assert.Equal(expectedCounts.Total, counts.Total);
        }
    }

    [Fact]
    public void StreamingText_ByteAtATime_SameAsWholeText()
    {
        var sample = StreamSample();
        var expected = TextRedactor.Redact(sample, new RedactionCounts());
        var bytes = Encoding.UTF8.GetBytes(sample);
        var output = RunChunks(new Utf8TextBodyRedactor(), [.. bytes.Select(b => new[] { b })]);
        Assert.Equal(expected, output);
    }

    [Fact]
    public void StreamingText_HoldsBackOnlyABoundedTail()
    {
        var redactor = new StreamingTextRedactor(new RedactionCounts());
        var output = new StringBuilder();
        for (var i = 0; i < 200; i++)
        {
            redactor.Write("plain words without anything sensitive in them at all. ", output);
            Assert.True(redactor.HeldBack <= 512 + 64);
        }

        Assert.True(output.Length > 10_000);
    }

    [Fact]
    public void StreamingText_LongJwtAcrossManyChunks_NeverLeaks()
    {
        var payload = System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes("{\"data\":\"" + new string('x', 3000) + "\"}"));
        var jwt = "eyJhbGciOiJIUzI1NiJ9." + payload + ".c2lnbmF0dXJlLXNpZ25hdHVyZQ";
        var text = "token=" + jwt + " done";
        var bytes = Encoding.UTF8.GetBytes(text);
        var chunks = bytes.Chunk(100).ToArray();
        var counts = new RedactionCounts();

        var output = RunChunks(new Utf8TextBodyRedactor(counts), chunks);

        Assert.Equal("token=[REDACTED:jwt] done", output);
        Assert.Equal(1, counts[RedactionKind.Jwt]);
    }

    [Fact]
    public void StreamingText_LongPemAcrossChunks_RedactedUpToEndLine()
    {
        var body = string.Join("\n", Enumerable.Repeat(new string('A', 64), 60));
        var pem = "-----BEGIN RSA " + "PRIVATE KEY-----\n" + body + "\n-----END RSA " + "PRIVATE KEY-----";
        var bytes = Encoding.UTF8.GetBytes("key: " + pem + "\nThanks, bob");
        for (var size = 7; size < 200; size += 31)
        {
            var output = RunChunks(new Utf8TextBodyRedactor(), bytes.Chunk(size).ToArray());
            Assert.Equal("key: [REDACTED:private_key]\nThanks, bob", output);
        }
    }

    private static string SseSample() =>
        "event: message\nid: 1\n"
        + "data: {\"choices\":[{\"delta\":{\"content\":\"mail " + Samples.Email + " now\"}}]}\n\n"
        + ": comment with " + Samples.OpenAiKey + "\n"
        + "data: plain text with card " + Samples.Card + "\n"
        + "data: and second line " + Samples.Bearer + "\n\n"
        + "data: {\"usage\":{\"prompt_tokens\":3}}\r\n\r\n"
        + "data: [DONE]\n\n";

    [Fact]
    public void Sse_EverySplitPoint_SameOutputAndValidJsonEvents()
    {
        var bytes = Encoding.UTF8.GetBytes(SseSample());
        var expectedCounts = new RedactionCounts();
        var expected = RunChunks(new SseBodyRedactor(expectedCounts), bytes);

        Assert.DoesNotContain(Samples.Email, expected, StringComparison.Ordinal);
        Assert.DoesNotContain(Samples.OpenAiKey, expected, StringComparison.Ordinal);
        Assert.DoesNotContain("4111", expected, StringComparison.Ordinal);
        Assert.DoesNotContain("abc123DEF456", expected, StringComparison.Ordinal);
        Assert.Contains("data: [DONE]\n\n", expected, StringComparison.Ordinal);
        Assert.Contains("event: message\nid: 1\n", expected, StringComparison.Ordinal);
        Assert.Equal(4, expectedCounts.Total);
        var firstData = expected.Split('\n').First(l => l.StartsWith("data: {", StringComparison.Ordinal));
        using (var document = JsonDocument.Parse(firstData[6..]))
        {
            Assert.Equal("mail [REDACTED:email] now", document.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
        }

        for (var split = 0; split <= bytes.Length; split++)
        {
            var counts = new RedactionCounts();
            Assert.Equal(expected, RunChunks(new SseBodyRedactor(counts), bytes[..split], bytes[split..]));
            Assert.Equal(expectedCounts.Total, counts.Total);
        }
    }

    [Fact]
    public void Sse_EventsEmittedAsSoonAsComplete()
    {
        var redactor = new SseBodyRedactor();
        var output = new ArrayBufferWriter<byte>();
        redactor.Write("data: {\"a\":1}\n\ndata: {\"b\":"u8, output);
        Assert.Equal("data: {\"a\":1}\n\n", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Sse_McpServerRequestEndingMidWord_IsWrittenAtOnceUnlessTheStreamIsAModels()
    {
        // An MCP server's sampling request: the server sends nothing more until the client answers it.
        var request = "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"sampling/createMessage\",\"params\":{\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"Write to ada.lovelace@example.com about the wor\"}}]}}\n\n"u8.ToArray();

        var mcp = new ArrayBufferWriter<byte>();
        new SseBodyRedactor(holdSplitValues: false).Write(request, mcp);
        var models = new ArrayBufferWriter<byte>();
        new SseBodyRedactor().Write(request, models);

        var written = Encoding.UTF8.GetString(mcp.WrittenSpan);
        Assert.Contains("\"text\":\"Write to [REDACTED:email] about the wor\"", written, StringComparison.Ordinal);
        Assert.EndsWith("\n\n", written, StringComparison.Ordinal);
        Assert.Equal(0, models.WrittenCount);
    }

    [Fact]
    public void Sse_OversizedEvent_FailsClosed()
    {
        var redactor = new SseBodyRedactor(maxEventBytes: 100, holdSplitValues: false);
        var output = new ArrayBufferWriter<byte>();

        // Nothing of it, nor of what follows, is written; the stream fails at its end (the body read on for its usage).
        redactor.Write(Encoding.UTF8.GetBytes("data: ok\n\ndata: " + new string('x', 200)), output);
        redactor.Write("\n\ndata: later\n\n"u8, output);

        Assert.Equal("data: ok\n\n", Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Throws<InvalidDataException>(() => redactor.Complete(output));
    }

    [Fact]
    public void JsonBody_AcrossChunks_RedactedAsDocument()
    {
        var json = Encoding.UTF8.GetBytes($$"""{"a":"{{Samples.Email}}","b":"x"}""");
        for (var split = 0; split <= json.Length; split++)
        {
            var output = RunChunks(new JsonBodyRedactor(), json[..split], json[split..]);
            Assert.Equal("""{"a":"[REDACTED:email]","b":"x"}""", output);
        }
    }

    [Fact]
    public void BodyRedactors_ChoosesByContentType()
    {
        Assert.IsType<SseBodyRedactor>(BodyRedactors.For("text/event-stream; charset=utf-8"));
        Assert.IsType<JsonBodyRedactor>(BodyRedactors.For("application/json"));
        Assert.IsType<JsonBodyRedactor>(BodyRedactors.For("application/vnd.api+json"));
        Assert.IsType<Utf8TextBodyRedactor>(BodyRedactors.For("text/plain"));
        Assert.IsType<Utf8TextBodyRedactor>(BodyRedactors.For("application/x-ndjson"));
        Assert.IsType<SniffedTextBodyRedactor>(BodyRedactors.For(null));
        Assert.IsType<SniffedTextBodyRedactor>(BodyRedactors.For("application/octet-stream"));
        Assert.IsType<UninspectableBodyRedactor>(BodyRedactors.For("image/png"));
        Assert.IsType<UninspectableBodyRedactor>(BodyRedactors.For("application/x-protobuf"));
    }

    [Theory]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("text/plain; charset=UTF-16LE")]
    [InlineData("text/event-stream; charset=\"utf-32\"")]
    [InlineData("text/html; charset=utf-7")]
    [InlineData("text/plain; charset=ISO-8859-1")]
    [InlineData("application/json; charset=windows-1252")]
    public void BodyRedactors_CharsetNoPatternCanBeReadIn_RefusesTheBody(string contentType)
    {
        var redactor = BodyRedactors.For(contentType);
        var body = Encoding.Unicode.GetBytes("contact " + Samples.Email);

        Assert.IsType<UninspectableBodyRedactor>(redactor);
        Assert.Throws<InvalidDataException>(() => redactor.Write(body, new ArrayBufferWriter<byte>()));
    }

    [Theory]
    [InlineData("application/json", true)]
    [InlineData("application/json", false)]
    [InlineData("text/plain", true)]
    [InlineData("text/xml", false)]
    [InlineData("application/x-ndjson", false)]
    [InlineData("application/octet-stream", false)]
    [InlineData(null, true)]
    [InlineData("text/event-stream", true)]
    [InlineData("text/event-stream", false)]
    public void BodyRedactors_Utf16TextWithNoCharsetDeclared_RefusesTheBody(string? contentType, bool byteOrderMark)
    {
        var text = Encoding.Unicode.GetBytes("Authorization: " + Samples.Bearer + ", contact " + Samples.Email);
        var body = byteOrderMark ? [.. Encoding.Unicode.GetPreamble(), .. text] : text;

        // Whole, and split one byte in (the mark itself across two chunks).
        Assert.Throws<InvalidDataException>(() => RunChunks(BodyRedactors.For(contentType), body));
        Assert.Throws<InvalidDataException>(() => RunChunks(BodyRedactors.For(contentType), body[..1], body[1..]));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json")]
    [InlineData("text/event-stream")]
    public void BodyRedactors_Utf16ByteOrderMarkAlone_RefusesTheBody(string contentType)
    {
        Assert.Throws<InvalidDataException>(() => RunChunks(BodyRedactors.For(contentType), [0xFF], [0xFE, (byte)'h', (byte)'i']));
        Assert.Throws<InvalidDataException>(() => RunChunks(BodyRedactors.For(contentType), [0xFE, 0xFF, (byte)'h', (byte)'i']));
    }

    [Theory]
    [InlineData("text/plain; charset=UTF-8")]
    [InlineData("text/plain; charset=\"us-ascii\"")]
    public void BodyRedactors_AsciiCompatibleCharset_Redacted(string contentType)
    {
        var redactor = BodyRedactors.For(contentType);
        var output = new ArrayBufferWriter<byte>();

        redactor.Write(Encoding.ASCII.GetBytes("contact " + Samples.Email), output);
        redactor.Complete(output);

        Assert.Equal("contact [REDACTED:email]", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public async Task BodyTransformStream_WritesRedactedAndFlushesTailOnComplete()
    {
        using var inner = new MemoryStream();
        var counts = new RedactionCounts();
        var stream = new BodyTransformStream(inner, new Utf8TextBodyRedactor(counts));
        var bytes = Encoding.UTF8.GetBytes("contact " + Samples.Email);
        await stream.WriteAsync(bytes.AsMemory(0, 12));
        await stream.WriteAsync(bytes.AsMemory(12));
        await stream.CompleteAsync();

        Assert.Equal("contact [REDACTED:email]", Encoding.UTF8.GetString(inner.ToArray()));
        Assert.Equal(1, counts[RedactionKind.Email]);
    }

    private static string RunChunks(IBodyTransform transform, params byte[][] chunks)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (var chunk in chunks)
        {
            transform.Write(chunk, output);
        }

        transform.Complete(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
