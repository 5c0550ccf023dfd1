using System.Buffers;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Redaction;

namespace Gateway.Connectors.Tests;

/// <summary>Runs a server-sent event body through one <see cref="SseBodyRedactor"/>, chunk by chunk, and returns what it wrote.</summary>
internal static class SseRedaction
{
    public static string Run(RedactionCounts counts, params byte[][] chunks)
    {
        var redactor = new SseBodyRedactor(counts);
        var output = new ArrayBufferWriter<byte>();
        foreach (var chunk in chunks)
        {
            redactor.Write(chunk, output);
        }

        redactor.Complete(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    public static string Run(params byte[][] chunks) => Run(new RedactionCounts(), chunks);

    /// <summary>One chat-completion chunk event whose <c>choices[0].delta.content</c> is <paramref name="content"/>.</summary>
    public static string Delta(string content) =>
        "data: " + JsonSerializer.Serialize(new { id = "chatcmpl-1", choices = new[] { new { delta = new { content } } } }) + "\n\n";

    /// <summary>The <c>choices[0].delta.content</c> of every JSON event of <paramref name="sse"/>, in order.</summary>
    public static IEnumerable<string> Contents(string sse) =>
        sse.Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l[6..]).RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString()!);
}
