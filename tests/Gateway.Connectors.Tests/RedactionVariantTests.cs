using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Tests;

/// <summary>
/// Property-based: a generator with a fixed seed dresses sensitive values up in the ways that once
/// slipped through (card numbers as JSON numbers or with dots, e-mails as member names, SSE <c>id:</c>
/// lines, values split across events, text in octet-stream bodies), chunks the bodies at random points,
/// and checks that no sensitive value survives and that JSON stays JSON.
/// </summary>
public sealed class RedactionVariantTests
{
    private const int Seed = 20261122;
    private const int Cases = 200;

    private static readonly string[] Cards = ["4111111111111111", "5500000000000004", "378282246310005", "6011111111111117"];
    private static readonly string[] Emails = [Samples.Email, "a.b@example.com", "ops-team@mail.example.org"];

    [Fact]
    public void Json_CardNumberAsJsonNumber_IsRedacted()
    {
        var counts = new RedactionCounts();

        var output = Encoding.UTF8.GetString(JsonRedactor.Redact("""{"card":4111111111111111,"amount":25,"order":1234567890123456}"""u8, counts));

        Assert.Equal("""{"card":"[REDACTED:card_number]","amount":25,"order":1234567890123456}""", output);
        Assert.Equal(1, counts[RedactionKind.CardNumber]);
    }

    [Theory]
    [InlineData("4111111111111111.0")]
    [InlineData("4.111111111111111E15")]
    [InlineData("4111111111111111e0")]
    [InlineData("41111111111111.11e+2")]
    [InlineData("0.4111111111111111e16")]
    [InlineData("41111111111111110000e-4")]
    [InlineData("-4111111111111111")]
    [InlineData("5.9e15")]
    public void Json_CardAsNumberWithFractionOrExponent_IsRedacted(string spelling)
    {
        // A JSON reader takes each for the card number exactly (5.9e15 is 5900000000000000, Luhn-valid); the others are no integer of 13–19 digits.
        const string Others = ""","near":[4111111111111111.5,4.111111111111111E14,4111111111111111e4,1e400,-0.0]}""";
        var counts = new RedactionCounts();

        var json = Encoding.UTF8.GetString(JsonRedactor.Redact(Encoding.UTF8.GetBytes("{\"card\":" + spelling + Others), counts));
        var sse = Run(new SseBodyRedactor(), Encoding.UTF8.GetBytes("data: {\"card\":" + spelling + Others + "\n\n"));

        Assert.Equal("{\"card\":\"[REDACTED:card_number]\"" + Others, json);
        Assert.Equal(1, counts[RedactionKind.CardNumber]);
        Assert.Equal("data: {\"card\":\"[REDACTED:card_number]\"" + Others + "\n\n", sse);
    }

    [Fact]
    public void Json_EmailAsMemberName_IsRedacted()
    {
        var counts = new RedactionCounts();

        var output = Encoding.UTF8.GetString(JsonRedactor.Redact(Encoding.UTF8.GetBytes("{\"" + Samples.Email + "\":{\"role\":\"owner\"}}"), counts));

        Assert.Equal("""{"[REDACTED:email]":{"role":"owner"}}""", output);
    }

    [Fact]
    public void Text_CardWithDotSeparators_IsRedacted()
    {
        var counts = new RedactionCounts();

        Assert.Equal("card [REDACTED:card_number] ok", TextRedactor.Redact("card 4111.1111.1111.1111 ok", counts));
        Assert.Equal("version 4.1.1.1 and 3.14159265358979", TextRedactor.Redact("version 4.1.1.1 and 3.14159265358979", counts));
    }

    [Fact]
    public void Sse_IdLineAndEventName_AreRedacted()
    {
        var output = Run(new SseBodyRedactor(), Encoding.UTF8.GetBytes($"id: {Samples.Email}\nevent: {Samples.OpenAiKey}\ndata: {{\"a\":1}}\n\n"));

        Assert.Equal("id: [REDACTED:email]\nevent: [REDACTED:api_key]\ndata: {\"a\":1}\n\n", output);
    }

    [Fact]
    public void Sse_UnknownFieldAndRetryLines_AreRedactedWhole()
    {
        var output = Run(new SseBodyRedactor(), Encoding.UTF8.GetBytes(
            $"Card {Samples.Card}: on file\n{Samples.Email}: primary\nretry: {Samples.Email}\nretry: 3000\ndata: {{\"a\":1}}\n\n"));

        Assert.Equal("Card [REDACTED:card_number]: on file\n[REDACTED:email]: primary\nretry: [REDACTED:email]\nretry: 3000\ndata: {\"a\":1}\n\n", output);
    }

    [Fact]
    public void Sse_ValueSplitAcrossEvents_IsHeldBackUntilCompleteThenRedacted()
    {
        var redactor = new SseBodyRedactor();
        var output = new ArrayBufferWriter<byte>();

        redactor.Write(Encoding.UTF8.GetBytes(SseRedaction.Delta("write to jane.doe@exam")), output);
        Assert.Equal(0, output.WrittenCount);
        redactor.Write(Encoding.UTF8.GetBytes(SseRedaction.Delta("ple.com today")), output);
        redactor.Complete(output);

        var text = Encoding.UTF8.GetString(output.WrittenSpan);
        Assert.DoesNotContain("jane.doe", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ple.com", text, StringComparison.Ordinal);
        Assert.Equal("write to [REDACTED:email] today", string.Concat(SseRedaction.Contents(text)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Sse_CardSplitAcrossTheHeldEventLimit_IsRedacted(bool json)
    {
        // Separated digits keep the run unfinished: the bound (256 held events) releases it half-way through the card.
        string Event(string piece) => json ? SseRedaction.Delta(piece) : $"data: {piece}\n\n";
        var pieces = Enumerable.Repeat("9 ", 255).Concat(["4111 ", "1111 ", "1111 ", "1111"]).ToList();
        var counts = new RedactionCounts();

        var output = SseRedaction.Run(counts, [.. pieces.Select(p => Encoding.UTF8.GetBytes(Event(p)))]);

        var written = json
            ? string.Concat(SseRedaction.Contents(output))
            : string.Concat(output.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l[6..]));
        Assert.EndsWith("4111 1111 [REDACTED:card_number]", written, StringComparison.Ordinal);
        Assert.Equal(1, counts[RedactionKind.CardNumber]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Sse_CardSplitAcrossOneOfInterleavedChoices_IsRedacted(bool indexFirst)
    {
        // n=2 as OpenAI and vLLM stream it: one choice per chunk, told apart by its index (before or after the delta), both at choices[0].
        string Chunk(int index, string content) => "data: " + (indexFirst
            ? JsonSerializer.Serialize(new { id = "chatcmpl-1", choices = new[] { new { index, delta = new { content } } } })
            : JsonSerializer.Serialize(new { id = "chatcmpl-1", choices = new[] { new { delta = new { content }, index } } })) + "\n\n";

        var output = Run(new SseBodyRedactor(), Encoding.UTF8.GetBytes(
            Chunk(0, "card 4111 ") + Chunk(1, "one ") + Chunk(0, "1111 1111 ") + Chunk(1, "two ") + Chunk(0, "1111 ok") + Chunk(1, "three")));

        var choices = output.Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l[6..]).RootElement.GetProperty("choices")[0])
            .GroupBy(c => c.GetProperty("index").GetInt32(), c => c.GetProperty("delta").GetProperty("content").GetString())
            .ToDictionary(g => g.Key, string.Concat);
        Assert.Equal("card [REDACTED:card_number] ok", choices[0]);
        Assert.Equal("one two three", choices[1]);
    }

    [Fact]
    public void Sse_CardSplitAcrossOneOfInterleavedResponsesItems_IsRedacted()
    {
        string Delta(int item, string delta) =>
            "data: " + JsonSerializer.Serialize(new { type = "response.output_text.delta", item_id = $"msg_{item}", output_index = item, content_index = 0, delta }) + "\n\n";

        var output = Run(new SseBodyRedactor(), Encoding.UTF8.GetBytes(
            Delta(0, "card 4111 1111 ") + Delta(1, "one ") + Delta(0, "1111 1111 ok") + Delta(1, "two")));

        var items = output.Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l[6..]).RootElement)
            .GroupBy(e => e.GetProperty("output_index").GetInt32(), e => e.GetProperty("delta").GetString())
            .ToDictionary(g => g.Key, string.Concat);
        Assert.Equal("card [REDACTED:card_number] ok", items[0]);
        Assert.Equal("one two", items[1]);
    }

    [Theory]
    [InlineData("""{"choices":[{"index":0,"delta":{"content":"Hello world"}}]}""", """{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""")]
    [InlineData(
        """{"type":"response.output_text.delta","item_id":"msg_0","output_index":0,"content_index":0,"delta":"Hello world"}""",
        """{"type":"response.output_text.done","item_id":"msg_0","output_index":0,"content_index":0,"text":"Hello world"}""")]
    public void Sse_ChoiceOrItemFinished_ItsHeldTextIsWrittenAtOnce(string delta, string finished)
    {
        var redactor = new SseBodyRedactor();
        var output = new ArrayBufferWriter<byte>();

        redactor.Write(Encoding.UTF8.GetBytes($"data: {delta}\n\n"), output);
        Assert.Equal(0, output.WrittenCount);
        redactor.Write(Encoding.UTF8.GetBytes($"data: {finished}\n\n"), output);

        Assert.Equal($"data: {delta}\n\ndata: {finished}\n\n", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Theory]
    [InlineData("text/plain", "card {0} ok")]
    [InlineData("application/x-ndjson", "card {0} ok")]
    [InlineData("application/json", "{{\"card\":\"{0}\"}}")]
    [InlineData("text/event-stream", "data: card {0}\n\n")]
    [InlineData("text/event-stream", "data: {{\"card\":\"{0}\"}}\n\n")]
    [InlineData("text/event-stream", "id: {0}\ndata: x\n\n")]
    public void BodyRedactors_InvalidUtf8WithNoCharsetDeclared_RefusesTheBody(string contentType, string format)
    {
        // Latin-1 no-break spaces: a separator to a reader of Latin-1, an invalid byte (U+FFFD, no separator) to a UTF-8 decoder.
        var body = Encoding.Latin1.GetBytes(string.Format(CultureInfo.InvariantCulture, format, "4111\u00A01111\u00A01111\u00A01111"));

        Assert.Throws<InvalidDataException>(() => Run(BodyRedactors.For(contentType), body));
        Assert.Throws<InvalidDataException>(() => Run(BodyRedactors.For(contentType), body[..12], body[12..]));
        Assert.Throws<InvalidDataException>(() => Run(BodyRedactors.For(contentType + "; charset=utf-8"), body));
    }

    [Fact]
    public void Sse_CompleteDeltaWithMetadata_IsWrittenAtOnce()
    {
        var redactor = new SseBodyRedactor();
        var output = new ArrayBufferWriter<byte>();

        redactor.Write(Encoding.UTF8.GetBytes(SseRedaction.Delta("The ")), output);

        Assert.Equal(["The "], SseRedaction.Contents(Encoding.UTF8.GetString(output.WrittenSpan)));
    }

    [Fact]
    public void OctetStream_Text_IsRedacted_Binary_IsRefused()
    {
        var text = Run(BodyRedactors.For("application/octet-stream"), Encoding.UTF8.GetBytes("mail " + Samples.Email));
        var binary = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x00, 0x01 };

        Assert.Equal("mail [REDACTED:email]", text);
        Assert.Throws<InvalidDataException>(() => Run(BodyRedactors.For("application/octet-stream"), binary));
        Assert.Throws<InvalidDataException>(() => Run(BodyRedactors.For(null), [0xC3, 0x28]));
        Assert.Throws<InvalidDataException>(() => Run(BodyRedactors.For("image/png"), binary));
    }

    [Fact]
    public void GeneratedVariants_NoSensitiveValueSurvives()
    {
        var random = new Random(Seed);
        for (var i = 0; i < Cases; i++)
        {
            var (contentType, body, secrets) = Variant(random);
            var output = Run(BodyRedactors.For(contentType), Chunk(Encoding.UTF8.GetBytes(body), random));

            foreach (var secret in secrets)
            {
                Assert.False(Digits(output).Contains(Digits(secret), StringComparison.Ordinal) && secret.All(c => char.IsAsciiDigit(c) || c is ' ' or '-' or '.'),
                    $"case {i} ({contentType}): card {secret} survived in {output}");
                Assert.False(output.Contains(secret, StringComparison.Ordinal), $"case {i} ({contentType}): {secret} survived in {output}");
            }

            if (contentType == "application/json")
            {
                using var _ = JsonDocument.Parse(output);
            }

            if (body.Contains("chatcmpl", StringComparison.Ordinal))
            {
                Assert.Matches(@"^see \[REDACTED:(email|card_number)\] end$", string.Concat(SseRedaction.Contents(output)));
            }
        }
    }

    private static (string ContentType, string Body, string[] Secrets) Variant(Random random)
    {
        var card = Cards[random.Next(Cards.Length)];
        var email = Emails[random.Next(Emails.Length)];
        var dressed = DressCard(card, random);
        switch (random.Next(6))
        {
            case 0:
                return ("application/json", $$"""{"n":{{card}},"s":"{{dressed}}","{{email}}":true}""", [card, dressed, email]);
            case 1:
                return ("application/json", $$"""[{"items":[{{card}},"{{email}}"]},{"{{email}}":[1,2]}]""", [card, email]);
            case 2:
                return ("text/plain", $"pay with {dressed}, reply to {email}.", [dressed, email]);
            case 3:
                return ("application/octet-stream", $"{email};{dressed}\n", [email, dressed]);
            case 4:
                return ("text/event-stream", $"id: {email}\ndata: {{\"card\":{card}}}\n\n", [email, card]);
            default:
                var secret = random.Next(2) == 0 ? email : dressed;
                var pieces = Split(secret, random.Next(2, 5), random);
                var events = string.Concat(pieces.Select((p, k) => SseRedaction.Delta((k == 0 ? "see " : string.Empty) + p + (k == pieces.Length - 1 ? " end" : string.Empty))));
                return ("text/event-stream", events, [secret]);
        }
    }

    private static string DressCard(string card, Random random)
    {
        if (card.Length != 16)
        {
            return card;
        }

        var separator = random.Next(4) switch { 0 => "", 1 => " ", 2 => "-", _ => "." };
        return string.Join(separator, card.Chunk(4).Select(c => new string(c)));
    }

    private static string[] Split(string text, int parts, Random random)
    {
        var cuts = Enumerable.Range(0, parts - 1).Select(_ => random.Next(1, text.Length)).Distinct().Order().ToList();
        var pieces = new List<string>();
        var start = 0;
        foreach (var cut in cuts)
        {
            pieces.Add(text[start..cut]);
            start = cut;
        }

        pieces.Add(text[start..]);
        return [.. pieces];
    }

    private static byte[][] Chunk(byte[] body, Random random)
    {
        var chunks = new List<byte[]>();
        for (var start = 0; start < body.Length;)
        {
            var size = random.Next(1, 24);
            chunks.Add(body[start..Math.Min(body.Length, start + size)]);
            start += size;
        }

        return [.. chunks];
    }

    private static string Digits(string text) => new(text.Where(char.IsAsciiDigit).ToArray());

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
