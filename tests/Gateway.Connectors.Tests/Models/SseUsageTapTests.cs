using System.Buffers;
using System.Text;
using Gateway.Connectors.Models;
using Gateway.Policy;

namespace Gateway.Connectors.Tests.Models;

public sealed class SseUsageTapTests
{
    // A chat stream as OpenAI sends it: content chunks, a usage chunk, [DONE]; one chunk holds bytes that
    // are not UTF-8 (0xFF) and a comment line (a keep-alive).
    private static readonly byte[] Stream =
    [
        .. """
        : keep-alive

        data: {"id":"c1","choices":[{"index":0,"delta":{"content":"usage is "}}]}

        id: 7
        data: {"id":"c1","choices":[{"index":0,"delta":{"content":"high 
        """u8,
        0xFF,
        .. """
        "}}]}

        data: {"id":"c1","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42}}

        data: [DONE]


        """u8,
    ];

    [Fact]
    public void Write_AtEverySplitPoint_PassesEveryByteAndReadsTheUsage()
    {
        var input = Normalize(Stream);
        for (var split = 0; split <= input.Length; split++)
        {
            var usage = new ModelUsageAccumulator(ConnectorKind.OpenAI);
            var tap = new SseUsageTap(usage);
            var output = new ArrayBufferWriter<byte>();

            tap.Write(input.AsSpan(0, split), output);
            tap.Write(input.AsSpan(split), output);
            tap.Complete(output);

            Assert.Equal(input, output.WrittenSpan.ToArray());
            Assert.Equal(new ModelUsage(12, 30), usage.Usage);
        }
    }

    [Fact]
    public void Write_CrLfLines_AreWrittenWithLf()
    {
        var usage = new ModelUsageAccumulator(ConnectorKind.OpenAI);
        var tap = new SseUsageTap(usage);
        var output = new ArrayBufferWriter<byte>();

        tap.Write("event: message\r\ndata: {\"usage\":{\"input_tokens\":3,\"output_tokens\":4}}\r\n\r\ndata: tail"u8, output);
        tap.Complete(output);

        Assert.Equal("event: message\ndata: {\"usage\":{\"input_tokens\":3,\"output_tokens\":4}}\n\ndata: tail\n", Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Equal(new ModelUsage(3, 4), usage.Usage);
    }

    [Theory]
    [InlineData("""{"\u0075sage":{"prompt_tokens":5,"completion_tokens":6}}""")]
    [InlineData("""{"message":{"us\u0061ge":{"input_tokens":5,"output_tokens":6}}}""")]
    public void Write_UsageNameSpelledWithEscapes_IsStillCounted(string data)
    {
        var usage = new ModelUsageAccumulator(ConnectorKind.Anthropic);
        var tap = new SseUsageTap(usage);
        var output = new ArrayBufferWriter<byte>();

        tap.Write(Encoding.UTF8.GetBytes("data: " + data + "\n\n"), output);

        Assert.Equal(new ModelUsage(5, 6), usage.Usage);
    }

    private static byte[] Normalize(byte[] text) => [.. text.Where(b => b != (byte)'\r')];
}
