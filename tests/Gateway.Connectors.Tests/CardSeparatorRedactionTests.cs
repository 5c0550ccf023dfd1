using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using Gateway.Connectors.Redaction;

namespace Gateway.Connectors.Tests;

/// <summary>
/// Card numbers laid out with runs of separators between their digit groups, as column-aligned and
/// fixed-width output has them (several spaces, tabs, the JSON escape <c>\t</c> in raw JSON text, mixed
/// <c> - </c>, dot runs, Unicode spaces and dashes), are redacted by every redactor, whole and split at
/// any point; decimals, versions, ordinary numbers and Luhn-invalid numbers are left alone.
/// </summary>
public sealed class CardSeparatorRedactionTests
{
    [Theory]
    [InlineData("4111  1111  1111  1111")]
    [InlineData("4111        1111        1111        1111")]
    [InlineData("4111\t1111\t1111\t1111")]
    [InlineData("4111\t\t1111\t\t1111\t\t1111")]
    [InlineData("4111 - 1111 - 1111 - 1111")]
    [InlineData("4111 1111  1111\t1111")]
    [InlineData("4111..1111..1111..1111")]
    [InlineData("4111 . 1111 . 1111 . 1111")]
    [InlineData("3782  822463  10005")]
    [InlineData("6011  1111  1111  1111  110")]
    [InlineData("5500\u00A0\u00A00000\u00A0\u00A00000\u00A0\u00A00004")]
    [InlineData("4111\u20071111\u20071111\u20071111")]
    [InlineData("4111\u202F1111\u202F1111\u202F1111")]
    [InlineData("4111 \u2013 1111 \u2013 1111 \u2013 1111")]
    public void Redact_CardWithSeparatorRuns_Redacted(string card)
    {
        var counts = new RedactionCounts();

        var output = TextRedactor.Redact($"card {card} ok", counts);

        Assert.Equal("card [REDACTED:card_number] ok", output);
        Assert.Equal(1, counts[RedactionKind.CardNumber]);
    }

    [Theory]
    [InlineData("card 4111  1111  1111  1112 ok")]
    [InlineData("card 4111\t1111\t1111\t1112 ok")]
    [InlineData("pi is 3.14159265358979, or 314.159265358979 per cent")]
    [InlineData("version 4.1.1.1, build 2026.11.23.1234, host 192.168.100.200:8080")]
    [InlineData("In 2024  we shipped 1200  units to 350  stores, 4111  orders in all.")]
    [InlineData("run 20261123  110428  5500  0000")]
    public void Redact_SeparatorRunsThatAreNoCard_Unchanged(string text)
    {
        var counts = new RedactionCounts();

        Assert.Same(text, TextRedactor.Redact(text, counts));
        Assert.Equal(0, counts.Total);
    }

    [Theory]
    [InlineData("4111\t1111\t1111\t1111")]
    [InlineData("4111\\t1111\\t1111\\t1111")]
    [InlineData("4111 \u2013 1111\u00A0\u00A01111..1111")]
    public void IsCardNumber_SkipsEverySeparatorThePatternAccepts(string candidate)
    {
        Assert.True(SensitivePatterns.IsCardNumber(candidate));
    }

    [Fact]
    public void IsCardSeparator_SameCharactersAsThePattern()
    {
        for (var c = char.MinValue; c < char.MaxValue; c++)
        {
            var text = $"x 4111{c}{c}1111{c}{c}1111{c}{c}1111 x";

            var redacted = TextRedactor.Redact(text, new RedactionCounts()) == "x [REDACTED:card_number] x";

            Assert.True(redacted == SensitivePatterns.IsCardSeparator(c), $"U+{(int)c:X4}: redacted {redacted}");
        }
    }

    [Fact]
    public void RedactJson_CardWithTabsInStringValue_Redacted()
    {
        var counts = new RedactionCounts();

        var output = Encoding.UTF8.GetString(JsonRedactor.Redact(
            """{"card":"4111\t1111\t1111\t1111","spaced":"3782  822463  10005","pi":3.14159265358979,"luhn":"4111  1111  1111  1112"}"""u8, counts));

        Assert.Equal("""{"card":"[REDACTED:card_number]","spaced":"[REDACTED:card_number]","pi":3.14159265358979,"luhn":"4111  1111  1111  1112"}""", output);
        Assert.Equal(2, counts[RedactionKind.CardNumber]);
    }

    [Fact]
    public void StreamingText_TabEscapeInRawJsonText_RedactedAtEverySplitPoint()
    {
        // NDJSON is redacted as text: a tab inside a string is the two characters \t there.
        const string Ndjson = "{\"card\":\"4111\\t1111\\t1111\\t1111\"}\n{\"card\":\"\\t5500\\t\\t0000\\t\\t0000\\t\\t0004\\t\"}\n";
        const string Expected = "{\"card\":\"[REDACTED:card_number]\"}\n{\"card\":\"\\t[REDACTED:card_number]\\t\"}\n";

        AssertEverySplit(Ndjson, Expected, 2);
    }

    [Fact]
    public void StreamingText_CardWithSeparatorRuns_RedactedAtEverySplitPoint()
    {
        // The 13-digit start of the second number is no card; the digits after its last run make it one.
        const string Text = "a 4111  1111  1111  1111 b 5500  0000  00000  004 c 3782\t822463\t10005 d 4111 - 1111 - 1111 - 1111 e 4111  1111  1111  1112 f";
        const string Expected = "a [REDACTED:card_number] b [REDACTED:card_number] c [REDACTED:card_number] d [REDACTED:card_number] e 4111  1111  1111  1112 f";

        AssertEverySplit(Text, Expected, 4);
    }

    [Theory]
    [InlineData("card 4111  1111  1111  1111 ok")]
    [InlineData("card 5500\t0000\t00000\t\t004 ok")]
    [InlineData("card 3782 - 822463 - 10005 ok")]
    public void Sse_CardWithSeparatorRunsSplitAcrossEvents_RedactedAtEverySplitPoint(string content)
    {
        for (var split = 1; split < content.Length; split++)
        {
            var counts = new RedactionCounts();

            var output = SseRedaction.Run(counts, Encoding.UTF8.GetBytes(SseRedaction.Delta(content[..split]) + SseRedaction.Delta(content[split..])));

            Assert.Equal("card [REDACTED:card_number] ok", string.Concat(SseRedaction.Contents(output)));
            Assert.Equal(1, counts[RedactionKind.CardNumber]);
        }
    }

    [Fact]
    public void Redact_LongRunsOfDigitGroupsAndSeparators_FinishesWithinTheMatchTimeout()
    {
        var groups = string.Concat(Enumerable.Repeat("4111 \t-. 1111        1111\t\t1111   ", 10_000));
        var almost = string.Concat(Enumerable.Repeat("123  4567  890         ", 20_000));

        var redacted = WithinTheMatchTimeout(() => TextRedactor.Redact(groups, new RedactionCounts()));
        var unchanged = WithinTheMatchTimeout(() => TextRedactor.Redact(almost, new RedactionCounts()));

        Assert.DoesNotContain("1111", redacted, StringComparison.Ordinal);
        Assert.Same(almost, unchanged);
    }

    // The pattern's 2 s match timeout is wall-clock: each scan here is linear in the text and takes about half a second
    // on a busy core, but on a machine whose cores are all taken its thread can be descheduled past 2 s (this test once
    // failed so). Backtracking that is not linear takes far longer than 2 s on these texts however idle the machine, so
    // it times out on every attempt. So the test waits for a scan that completes: a timed out scan is run again, for up
    // to a minute (a liveness bound), and the timeout fails the test only when no attempt completed in that minute.
    private static string WithinTheMatchTimeout(Func<string> scan)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return scan();
            }
            catch (RegexMatchTimeoutException) when (clock.Elapsed < TimeSpan.FromMinutes(1))
            {
            }
        }
    }

    private static void AssertEverySplit(string text, string expected, int cards)
    {
        var wholeCounts = new RedactionCounts();
        Assert.Equal(expected, TextRedactor.Redact(text, wholeCounts));
        Assert.Equal(cards, wholeCounts[RedactionKind.CardNumber]);
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var counts = new RedactionCounts();
            var redactor = new Utf8TextBodyRedactor(counts);
            var output = new ArrayBufferWriter<byte>();
            redactor.Write(bytes.AsSpan(0, split), output);
            redactor.Write(bytes.AsSpan(split), output);
            redactor.Complete(output);

            Assert.Equal(expected, Encoding.UTF8.GetString(output.WrittenSpan));
            Assert.Equal(cards, counts[RedactionKind.CardNumber]);
        }
    }
}
