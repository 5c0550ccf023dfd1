using System.Buffers;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Tests;

/// <summary>
/// Addresses and keys in Markdown, where an HTML-to-Markdown converter (a web-fetch tool's answer) escapes every
/// <c>_</c>: a person reading the rendered text sees <c>ada_lovelace@example.com</c>, so <c>ada\_lovelace@example.com</c>
/// is redacted where it stands, in a JSON string, in text (raw JSON text too, where the backslash is itself escaped) and
/// in server-sent events, data as JSON and as text.
/// </summary>
public sealed class MarkdownEscapeRedactionTests
{
    [Theory]
    [InlineData(@"ada\_lovelace@example.com", RedactionKind.Email, "lovelace")]
    [InlineData(@"ada\.lovelace@example\.com", RedactionKind.Email, "lovelace")]
    [InlineData(@"sk\_live\_0123456789abcdefABCDEFgh", RedactionKind.ApiKey, "0123456789abcdefABCDEFgh")]
    [InlineData(@"ghp\_abcdefghijklmnopqrstuvwxyz0123456789", RedactionKind.ApiKey, "abcdefghijklmnopqrstuvwxyz0123456789")]
    [InlineData(@"github\_pat\_11ABCDEFG0123456789\_abcdefghijklmnopqrstuvwxyz", RedactionKind.ApiKey, "11ABCDEFG0123456789")]
    [InlineData(@"hf\_abcdefghijklmnopqrstuvwxyzABCDEFGH", RedactionKind.ApiKey, "abcdefghijklmnopqrstuvwxyzABCDEFGH")]
    public void Redact_EscapedUnderscoreInAddressOrKey_IsRedacted(string value, RedactionKind kind, string secret)
    {
        var expected = $"see {kind.Replacement()} here";
        var line = $"see {value} here";
        var json = JsonSerializer.Serialize(new { note = line });

        // A JSON string (read, then matched: the value is the text with its backslashes).
        var counts = new RedactionCounts();
        using (var document = JsonDocument.Parse(JsonRedactor.Redact(Encoding.UTF8.GetBytes(json), counts)))
        {
            Assert.Equal(expected, document.RootElement.GetProperty("note").GetString());
        }

        Assert.Equal(1, counts[kind]);

        // Text, and raw JSON text (NDJSON, where the backslash is written \\), whole and split at every point.
        for (var split = 0; split <= json.Length; split++)
        {
            var at = Math.Min(split, line.Length);
            Assert.Equal(expected + "\n", Run(BodyRedactors.For("text/plain; charset=utf-8"), line[..at], line[at..] + "\n"));
            var ndjson = Run(BodyRedactors.For("application/x-ndjson"), json[..split], json[split..] + "\n");
            using var document = JsonDocument.Parse(ndjson);
            Assert.Equal(expected, document.RootElement.GetProperty("note").GetString());
        }

        // Server-sent events: a delta split across events, and text data.
        counts = new RedactionCounts();
        var half = line.IndexOf('\\', StringComparison.Ordinal) + 1;
        var sse = SseRedaction.Run(counts, Encoding.UTF8.GetBytes(SseRedaction.Delta(line[..half]) + SseRedaction.Delta(line[half..])));
        Assert.Equal(expected, string.Concat(SseRedaction.Contents(sse)));
        Assert.Equal(1, counts[kind]);
        var text = SseRedaction.Run(Encoding.UTF8.GetBytes($"data: {line}\n\n"));
        Assert.Equal($"data: {expected}\n\n", text);
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(@"ada\_lovelace@example.com", "[REDACTED:email]")]
    [InlineData(@"ada\\_lovelace@example.com", "[REDACTED:email]")]
    [InlineData(@"path C:\\users\\u0040home and \n ada\\u0040example.com", @"path C:\\users\\u0040home and \n ada\\u0040example.com")]
    [InlineData(@"a \* b \# c \\ d \", @"a \* b \# c \\ d \")]
    public void Redact_BackslashRuns_ReadAsRendered(string text, string expected)
    {
        Assert.Equal(expected, TextRedactor.Redact(text, new RedactionCounts()));
    }

    private static string Run(IBodyTransform transform, params string[] chunks)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (var chunk in chunks)
        {
            transform.Write(Encoding.UTF8.GetBytes(chunk), output);
        }

        transform.Complete(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
