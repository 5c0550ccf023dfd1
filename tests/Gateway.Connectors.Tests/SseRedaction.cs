using System.Buffers;
using System.Text;
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
}
