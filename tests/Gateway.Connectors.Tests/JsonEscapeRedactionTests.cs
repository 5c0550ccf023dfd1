using System.Buffers;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Tests;

/// <summary>
/// Addresses and card numbers spelled with JSON escapes (<c>ada\u0040example.com</c>, <c>4111\u00201111…</c>, escaped
/// digits and letters) in bodies matched as text (NDJSON, <c>text/plain</c>, JSON over the buffer limit, SSE text data) are
/// redacted where they stand, whole and split across chunks at any point, an escape split in two included; a JSON parser
/// reading the redacted body finds neither.
/// </summary>
public sealed class JsonEscapeRedactionTests
{
    private const string Email = "ada@example.com";
    private const string Card = "4111111111111111";

    private const string NdjsonLine = """{"email":"ada\u0040example.com","card":"4111\u00201111\u00201111\u00201111"}""";

    [Theory]
    [InlineData(@"ada\u0040example.com", "[REDACTED:email]", RedactionKind.Email)]
    [InlineData(@"ada\u0040EXAMPLE.com", "[REDACTED:email]", RedactionKind.Email)]
    [InlineData(@"\u0061\u0064\u0061\u0040\u0065xample.com", "[REDACTED:email]", RedactionKind.Email)]
    [InlineData(@"4111\u00201111\u00201111\u00201111", "[REDACTED:card_number]", RedactionKind.CardNumber)]
    [InlineData(@"4111\u002d1111\u002D1111\u002d1111", "[REDACTED:card_number]", RedactionKind.CardNumber)]
    [InlineData(@"4111\u00a01111\u00A01111\u00a01111", "[REDACTED:card_number]", RedactionKind.CardNumber)]
    [InlineData(@"4111\u0009\u00091111\t1111\u00201111", "[REDACTED:card_number]", RedactionKind.CardNumber)]
    [InlineData(@"\u0034\u0031\u0031\u0031111111111111", "[REDACTED:card_number]", RedactionKind.CardNumber)]
    [InlineData(@"Bearer abc\/def\/ghi\/jkl0123", "[REDACTED:bearer_token]", RedactionKind.BearerToken)]
    public void Redact_EscapedSpelling_ReplacedWhereItStands(string value, string replacement, RedactionKind kind)
    {
        var counts = new RedactionCounts();

        var output = TextRedactor.Redact($"x: \"{value}\", y", counts);

        Assert.Equal($"x: \"{replacement}\", y", output);
        Assert.Equal(1, counts[kind]);
    }

    [Theory]
    [InlineData(@"ada\\u0040example.com")]
    [InlineData(@"4111\u00201111\u00201111\u00201112")]
    [InlineData(@"path C:\\users\\u0040home and \u0041 and \u004")]
    public void Redact_EscapeThatReadsAsNothingSensitive_Unchanged(string text)
    {
        var counts = new RedactionCounts();

        Assert.Same(text, TextRedactor.Redact(text, counts));
        Assert.Equal(0, counts.Total);
    }

    [Fact]
    public void MayRedact_EscapedAddress_TrueAndTryRedactDefersToRedact()
    {
        var text = @"mail ada\u0040example.com";
        var counts = new RedactionCounts();

        Assert.True(TextRedactor.MayRedact(text));
        Assert.Equal(-1, TextRedactor.TryRedact(text, new char[256], counts));
        Assert.Equal(0, counts.Total);
    }

    [Fact]
    public void Json_StringHoldingEscapedJsonText_RedactedAsTheParsedArgumentsRead()
    {
        var counts = new RedactionCounts();
        var body = Encoding.UTF8.GetBytes("""{"arguments":"{\"to\":\"ada\\u0040example.com\"}"}""");

        using var output = JsonDocument.Parse(JsonRedactor.Redact(body, counts));

        Assert.Equal("{\"to\":\"[REDACTED:email]\"}", output.RootElement.GetProperty("arguments").GetString());
        Assert.Equal(1, counts[RedactionKind.Email]);
    }

    [Theory]
    [InlineData("application/x-ndjson")]
    [InlineData("application/jsonl")]
    [InlineData("text/plain; charset=utf-8")]
    [InlineData("application/atom+xml")]
    public void BodyRedactor_TextBodyWithEscapedSpellings_NeitherSurvivesParsing(string contentType)
    {
        var body = NdjsonLine + "\n" + NdjsonLine + "\n";
        var counts = new RedactionCounts();

        var output = Run(BodyRedactors.For(contentType, counts), Encoding.UTF8.GetBytes(body));

        AssertNothingParses(output);
        Assert.Equal(2, counts[RedactionKind.Email]);
        Assert.Equal(2, counts[RedactionKind.CardNumber]);
    }

    [Fact]
    public void BodyRedactor_JsonOverTheBufferLimit_EscapedSpellingsRedactedByTheTextFallback()
    {
        var body = "[" + string.Join(",", Enumerable.Repeat(NdjsonLine, 400)) + "]";
        var counts = new RedactionCounts();

        var output = Run(BodyRedactors.For("application/json", counts, maxBufferedJsonBytes: 4096), Encoding.UTF8.GetBytes(body));

        AssertNothingParses(output);
        Assert.Equal(400, counts[RedactionKind.Email]);
        Assert.Equal(400, counts[RedactionKind.CardNumber]);
    }

    [Fact]
    public void BodyRedactor_JsonOverFourMebibytes_EscapedSpellingsRedacted()
    {
        var filler = new string('x', 1024);
        var body = new StringBuilder("[");
        while (body.Length < 4 * 1024 * 1024 + 4096)
        {
            body.Append('"').Append(filler).Append("\",");
        }

        body.Append(NdjsonLine).Append(']');
        var counts = new RedactionCounts();

        var output = Run(BodyRedactors.For("application/json", counts), Encoding.UTF8.GetBytes(body.ToString()));

        Assert.DoesNotContain(@"\u0040example", output, StringComparison.Ordinal);
        Assert.EndsWith("""{"email":"[REDACTED:email]","card":"[REDACTED:card_number]"}]""", output, StringComparison.Ordinal);
    }

    [Fact]
    public void StreamingText_EveryTwoChunkSplit_SameAsWholeText()
    {
        var text = "lead " + NdjsonLine + " \\u0034\\u0031\\u0031\\u0031111111111111 Bearer abc\\/def\\/ghi\\/jkl0123 tail";
        var expected = TextRedactor.Redact(text, new RedactionCounts());
        Assert.DoesNotContain("0040", expected, StringComparison.Ordinal);

        for (var split = 0; split <= text.Length; split++)
        {
            var counts = new RedactionCounts();
            var redactor = new StreamingTextRedactor(counts);
            var output = new StringBuilder();
            redactor.Write(text.AsSpan(0, split), output);
            redactor.Write(text.AsSpan(split), output);
            redactor.Complete(output);

            Assert.Equal(expected, output.ToString());
            Assert.Equal(4, counts.Total);
        }
    }

    [Fact]
    public void StreamingText_CharacterAtATime_EscapedAddressRedacted()
    {
        var redactor = new StreamingTextRedactor(new RedactionCounts());
        var output = new StringBuilder();
        foreach (var c in @"to ada\u0040example.com.")
        {
            redactor.Write([c], output);
        }

        redactor.Complete(output);

        Assert.Equal("to [REDACTED:email].", output.ToString());
    }

    [Fact]
    public void Utf8Text_EscapeSplitAcrossTwoChunks_Redacted()
    {
        var counts = new RedactionCounts();

        var output = Run(new Utf8TextBodyRedactor(counts), Encoding.UTF8.GetBytes("{\"email\":\"ada\\u00"), Encoding.UTF8.GetBytes("40example.com\"}\n"));

        Assert.Equal("{\"email\":\"[REDACTED:email]\"}\n", output);
        Assert.Equal(1, counts[RedactionKind.Email]);
    }

    [Fact]
    public void StreamingText_LongTokenWithEscapesPastTheHoldBack_ContinuationDropped()
    {
        var key = "sk-" + string.Concat(Enumerable.Repeat("abc0", 200));
        var escapedTail = string.Concat(Enumerable.Repeat(@"\u0041", 50));
        var redactor = new StreamingTextRedactor(new RedactionCounts());
        var output = new StringBuilder();
        redactor.Write(key, output);
        redactor.Write(@"\u00", output);
        redactor.Write("41" + escapedTail + " end", output);
        redactor.Complete(output);

        Assert.Equal("[REDACTED:api_key] end", output.ToString());
    }

    [Fact]
    public void Sse_TextDataWithEscapedSpellings_Redacted()
    {
        var counts = new RedactionCounts();
        var sse = $"data: {NdjsonLine}}}\n\n";

        var output = Run(new SseBodyRedactor(counts), Encoding.UTF8.GetBytes(sse));

        Assert.Equal("data: {\"email\":\"[REDACTED:email]\",\"card\":\"[REDACTED:card_number]\"}}\n\n", output);
    }

    [Fact]
    public void Sse_EscapeSplitAcrossTwoEvents_Redacted()
    {
        var counts = new RedactionCounts();
        var first = "data: {\"choices\":[{\"delta\":{\"arguments\":\"{\\\"to\\\":\\\"ada\\\\u00\"}}]}\n\n";
        var second = "data: {\"choices\":[{\"delta\":{\"arguments\":\"40example.com\\\"}\"}}]}\n\n";

        var output = Run(new SseBodyRedactor(counts), Encoding.UTF8.GetBytes(first), Encoding.UTF8.GetBytes(second));

        var arguments = string.Concat(output.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("arguments").GetString()));
        Assert.Equal("{\"to\":\"[REDACTED:email]\"}", arguments);
        Assert.Equal(1, counts[RedactionKind.Email]);
    }

    [Fact]
    public void Sse_NonStreamedValueHoldingEscapedAddress_Redacted()
    {
        var counts = new RedactionCounts();

        var output = Run(new SseBodyRedactor(counts), Encoding.UTF8.GetBytes("data: {\"note\":\"ada\\\\u0040example.com\"}\n\n"));

        Assert.Equal("data: {\"note\":\"[REDACTED:email]\"}\n\n", output);
    }

    [Fact]
    public void Ndjson_PrivateKeyHeaderBeforeEscapedQuote_StaysValidJson()
    {
        // JSON logged as a string: the key's header with no END line, then the \" that ends the inner string (and, escaped
        // twice, its body's \n). The match ends before that backslash, at every split of the stream.
        var body = """
            {"log":"{\"key\":\"-----BEGIN PRIVATE KEY-----\"}"}
            {"log":"{\"key\":\"-----BEGIN RSA PRIVATE KEY-----\\nMIIEvQIBADANBg\\n\"}","n":1}

            """.Replace("\r", string.Empty, StringComparison.Ordinal);

        for (var split = 0; split <= body.Length; split++)
        {
            var counts = new RedactionCounts();
            var output = Run(BodyRedactors.For("application/x-ndjson", counts), Encoding.UTF8.GetBytes(body[..split]), Encoding.UTF8.GetBytes(body[split..]));

            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var outer = JsonDocument.Parse(line);
                using var inner = JsonDocument.Parse(outer.RootElement.GetProperty("log").GetString()!);
                Assert.Equal("[REDACTED:private_key]", inner.RootElement.GetProperty("key").GetString());
            }

            Assert.Equal(2, counts[RedactionKind.PrivateKey]);
        }
    }

    private static void AssertNothingParses(string output)
    {
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var document = JsonDocument.Parse(line);
            Assert.All(Strings(document.RootElement), s => Assert.DoesNotContain(Email, s, StringComparison.Ordinal));
            Assert.All(Strings(document.RootElement), s => Assert.DoesNotContain(Card, new string([.. s.Where(char.IsAsciiDigit)]), StringComparison.Ordinal));
        }
    }

    // Every string a JSON parser reads from the element (member names and values).
    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings).ToList(),
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value).Prepend(p.Name)).ToList(),
        _ => [],
    };

    private static string Run(IBodyTransform transform, params byte[][] chunks)
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
