using System.Buffers;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Redaction;

namespace Gateway.Connectors.Tests;

/// <summary>
/// The JSON of SSE <c>data:</c> fields as the redactor reads and re-writes it: escapes inside values
/// streamed across events, surrogate pairs, numbers, nested arrays, data that is JSON but not an object,
/// events with several data lines, and output that stays valid JSON with its members in order.
/// </summary>
public sealed class SseJsonEventTests
{
    [Fact]
    public void Sse_EscapesInsideStreamedValue_ReadAsTextAndReEscaped()
    {
        var counts = new RedactionCounts();

        var output = Redact(counts, Chunk("""caf\u00e9 \"quoted\" \\ mail jane.d"""), Chunk("""oe@example.com ok\n"""));

        Assert.DoesNotContain("jane.d", output, StringComparison.Ordinal);
        Assert.DoesNotContain("oe@example", output, StringComparison.Ordinal);
        Assert.Equal("café \"quoted\" \\ mail [REDACTED:email] ok\n", string.Concat(Contents(output)));
        Assert.Equal(1, counts[RedactionKind.Email]);
    }

    [Fact]
    public void Sse_ChangedEvent_KeepsItsOtherEscapedValuesAndMemberOrder()
    {
        var input = "data: {\"z\":\"a\\\"b\\u00e9\",\"choices\":[{\"delta\":{\"content\":\"to " + Samples.Email + "\"}}],\"a\":[1,{\"y\":\"\\\\\"}],\"m\":null}\n\n";

        var output = Redact(new RedactionCounts(), input);

        Assert.Equal("data: {\"z\":\"a\\\"bé\",\"choices\":[{\"delta\":{\"content\":\"to [REDACTED:email]\"}}],\"a\":[1,{\"y\":\"\\\\\"}],\"m\":null}\n\n", output);
        using var document = JsonDocument.Parse(output[6..]);
        Assert.Equal(["z", "choices", "a", "m"], document.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("a\"bé", document.RootElement.GetProperty("z").GetString());
    }

    [Fact]
    public void Sse_SurrogatePairsInStreamedValues_AreKept()
    {
        var output = Redact(new RedactionCounts(), Chunk("""smile \ud83d\ude00 and """), Chunk("😀 mail jane.doe@exa"), Chunk("mple.com 🎉"));

        Assert.Equal("smile 😀 and 😀 mail [REDACTED:email] 🎉", string.Concat(Contents(output)));
        Assert.All(Contents(output), content => Assert.Equal(content, content.Normalize()));
    }

    [Fact]
    public void Sse_SurrogatePairSplitAcrossEvents_FailsClosedOrStaysAPair()
    {
        // A high surrogate alone in one event and its low surrogate in the next is not valid text in either
        // event: the stream is refused or the pair survives intact; never half a pair in valid-looking JSON.
        var redactor = new SseBodyRedactor();
        var output = new ArrayBufferWriter<byte>();
        try
        {
            redactor.Write(Encoding.UTF8.GetBytes(Chunk("""a \ud83d""")), output);
            redactor.Write(Encoding.UTF8.GetBytes(Chunk("""\ude00 b""")), output);
            redactor.Complete(output);
        }
        catch (InvalidOperationException)
        {
            return;
        }

        Assert.Equal("a 😀 b", string.Concat(Contents(Encoding.UTF8.GetString(output.WrittenSpan))));
    }

    [Fact]
    public void Sse_NumbersAndNestedArrays_KeptExceptCardNumbers()
    {
        var counts = new RedactionCounts();
        var input = "data: {\"a\":[1,-2.5e3,0.10,[true,false,null,{\"b\":\"x\"}],[]],\"n\":4111111111111111,\"c\":[[\"" + Samples.Email + "\"],{}],\"big\":123456789012345678901234567890}\n\n";

        var output = Redact(counts, input);

        Assert.Equal(
            "data: {\"a\":[1,-2.5e3,0.10,[true,false,null,{\"b\":\"x\"}],[]],\"n\":\"[REDACTED:card_number]\",\"c\":[[\"[REDACTED:email]\"],{}],\"big\":123456789012345678901234567890}\n\n",
            output);
        Assert.Equal(1, counts[RedactionKind.CardNumber]);
        Assert.Equal(1, counts[RedactionKind.Email]);
    }

    [Fact]
    public void Sse_CardNumberAsNumberInStreamedMember_IsRedacted()
    {
        var output = Redact(new RedactionCounts(), "data: {\"delta\":{\"content\":4111111111111111}}\n\n", Chunk("next"));

        Assert.Contains("data: {\"delta\":{\"content\":\"[REDACTED:card_number]\"}}\n\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Sse_JsonDataThatIsNotAnObject_ArraysAsJsonScalarsAsText()
    {
        var counts = new RedactionCounts();
        var input = "data: [\"mail " + Samples.Email + "\",[2,\"x\"]]\n\n"
            + "data: \"" + Samples.Email + "\"\n\n"
            + "data: 42\n\n"
            + "data: null\n\n"
            + "data: [DONE]\n\n";

        var output = Redact(counts, input);

        Assert.Equal(
            "data: [\"mail [REDACTED:email]\",[2,\"x\"]]\n\n"
            + "data: \"[REDACTED:email]\"\n\n"
            + "data: 42\n\n"
            + "data: null\n\n"
            + "data: [DONE]\n\n",
            output);
        Assert.Equal(2, counts[RedactionKind.Email]);
    }

    [Fact]
    public void Sse_SeveralDataLines_ReadAsOneJsonDocument()
    {
        var input = "id: 3\ndata: {\"a\":\ndata:   \"" + Samples.Email + "\",\ndata: \"n\": 1 }\nevent: x\n\n";

        var output = Redact(new RedactionCounts(), input);

        Assert.Equal("id: 3\ndata: {\"a\":\"[REDACTED:email]\",\"n\":1}\nevent: x\n\n", output);
    }

    [Fact]
    public void Sse_InvalidJsonData_IsRedactedAsText()
    {
        var input = "data: {\"a\": \"" + Samples.Email + "\",\ndata: oops\n\n";

        var output = Redact(new RedactionCounts(), input);

        Assert.Equal("data: {\"a\": \"[REDACTED:email]\",\ndata: oops\n\n", output);
    }

    [Fact]
    public void Sse_RedactedMemberName_KeepsTheValueStreamingUnderTheRedactedPath()
    {
        var first = "data: {\"" + Samples.Email + "\":{\"content\":\"key sk-proj-AbCdEf01\"}}\n\n";
        var second = "data: {\"" + Samples.Email + "\":{\"content\":\"23456789GhIjKlMnOp done\"}}\n\n";

        var output = Redact(new RedactionCounts(), first, second);

        Assert.DoesNotContain(Samples.Email, output, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-proj", output, StringComparison.Ordinal);
        Assert.DoesNotContain("GhIjKl", output, StringComparison.Ordinal);
        var contents = output.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l[6..]).RootElement.GetProperty("[REDACTED:email]").GetProperty("content").GetString());
        Assert.Equal("key [REDACTED:api_key] done", string.Concat(contents));
    }

    [Fact]
    public void Sse_TwoChoicesInterleaved_EachStreamedAtItsOwnPath()
    {
        static string Choice(int index, string content) =>
            "data: {\"choices\":[" + (index == 1 ? "{}," : string.Empty) + "{\"index\":" + index + ",\"delta\":{\"content\":" + JsonSerializer.Serialize(content) + "}}]}\n\n";

        var output = Redact(new RedactionCounts(), Choice(0, "mail jane.d"), Choice(1, "plain "), Choice(0, "oe@example.com"), Choice(1, "text"));

        var byChoice = output.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l[6..]).RootElement.GetProperty("choices"))
            .Select(c => (Index: c.GetArrayLength() - 1, Content: c[c.GetArrayLength() - 1].GetProperty("delta").GetProperty("content").GetString()))
            .GroupBy(c => c.Index)
            .ToDictionary(g => g.Key, g => string.Concat(g.Select(c => c.Content)));
        Assert.Equal("mail [REDACTED:email]", byChoice[0]);
        Assert.Equal("plain text", byChoice[1]);
    }

    [Fact]
    public void Sse_EveryOutputEvent_IsValidJsonWhateverTheSplit()
    {
        var pieces = new[] { "caf\u00e9 ", "\"q\" ", "card 4111 11", "11 1111 1111", " \\ end 😀" };
        var input = string.Concat(pieces.Select(p => "data: " + JsonSerializer.Serialize(new { choices = new[] { new { delta = new { content = p } } } }) + "\n\n"));
        var bytes = Encoding.UTF8.GetBytes(input);
        var expected = Redact(new RedactionCounts(), input);

        Assert.Equal("café \"q\" card [REDACTED:card_number] \\ end 😀", string.Concat(Contents(expected)));
        for (var split = 0; split <= bytes.Length; split += 7)
        {
            Assert.Equal(expected, Run(bytes[..split], bytes[split..]));
        }
    }

    [Fact]
    public void Sse_RepeatedValuesAndMemberNames_RedactedAndCountedInEveryEvent()
    {
        var counts = new RedactionCounts();
        var chunk = "data: {\"id\":\"" + Samples.Email + "\",\"model\":\"m-1\",\"" + Samples.OpenAiKey + "\":1,\"delta\":{\"content\":\"x \"}}\n\n";

        var output = Redact(counts, chunk, chunk, chunk);

        Assert.Equal(3, output.Split("\"id\":\"[REDACTED:email]\",\"model\":\"m-1\",\"[REDACTED:api_key]\":1", StringSplitOptions.None).Length - 1);
        Assert.Equal(3, counts[RedactionKind.Email]);
        Assert.Equal(3, counts[RedactionKind.ApiKey]);
    }

    [Theory]
    [InlineData("data: {\"a\":\"x?y\"}\n\n")]
    [InlineData("data:t?u\n\n")]
    [InlineData("data: ok\n\nevent: t?u\ndata: ok\n\n")]
    [InlineData("data: ok\n\n: t?u")]
    public void Sse_InvalidUtf8InAnyLine_RefusesTheStream(string sse)
    {
        // Decoded, 0xFF would be U+FFFD: no separator to a pattern, where the agent's reader may see one.
        var input = Encoding.UTF8.GetBytes(sse);
        input[Array.IndexOf(input, (byte)'?')] = 0xFF;

        Assert.Throws<InvalidDataException>(() => Run(input));
    }

    [Fact]
    public void Sse_MemberNamesThatRedactToTheSameName_AreAllKept()
    {
        // The JsonNode tree this replaced refused duplicate names (ArgumentException), failing the stream.
        var counts = new RedactionCounts();

        var output = Redact(counts, "data: {\"a@example.com\":\"x\",\"b@example.com\":\"y\",\"n\":1,\"n\":2}\n\n");

        Assert.Equal("data: {\"[REDACTED:email]\":\"x\",\"[REDACTED:email]\":\"y\",\"n\":1,\"n\":2}\n\n", output);
        Assert.Equal(2, counts[RedactionKind.Email]);
    }

    private static string Chunk(string jsonEscapedContent) =>
        "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + jsonEscapedContent + "\"}}]}\n\n";

    private static IEnumerable<string> Contents(string sse) =>
        [.. sse.Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l[6..]).RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString()!)];

    private static string Redact(RedactionCounts counts, params string[] events) =>
        SseRedaction.Run(counts, [.. events.Select(Encoding.UTF8.GetBytes)]);

    private static string Run(params byte[][] chunks) => SseRedaction.Run(chunks);
}
