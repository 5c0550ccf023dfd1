using System.Buffers;
using System.Text;
using Gateway.Connectors.Models;
using Gateway.Policy;

namespace Gateway.Connectors.Tests;

/// <summary>
/// The usage of a model answer is read as the answer streams past, chunk by chunk, whatever its length: the root's
/// <c>usage</c>, <c>message.usage</c> or <c>response.usage</c>, never a <c>usage</c> nested elsewhere, with Anthropic's
/// prompt-cache writes (5-minute, 1-hour) and reads apart in an <c>anthropic</c> connector's answer only.
/// </summary>
public sealed class ModelUsageScannerTests
{
    [Theory]
    [InlineData("""{"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}""", 10L, 5L)]
    [InlineData("""{"object":"response","usage":{"input_tokens":7,"output_tokens":3,"input_tokens_details":{"cached_tokens":99}}}""", 7L, 3L)]
    [InlineData("""{"type":"message_start","message":{"id":"m","usage":{"input_tokens":4,"cache_creation_input_tokens":2,"cache_read_input_tokens":1,"output_tokens":9}}}""", 7L, 9L)]
    [InlineData("""{"type":"response.completed","response":{"output":[{"usage":{"input_tokens":1}}],"usage":{"input_tokens":20,"output_tokens":6}}}""", 20L, 6L)]
    [InlineData(""" { "us\u0061ge" : { "prompt_tokens" : 3 , "completion_tokens" : -4 } } """, 3L, 0L)]
    [InlineData("""{"choices":[{"usage":{"prompt_tokens":10}}],"data":{"usage":{"prompt_tokens":10}}}""", null, null)]
    [InlineData("""{"usage":{"prompt_tokens":1""", null, null)]
    [InlineData("""[{"usage":{"prompt_tokens":1}}]""", null, null)]
    [InlineData("not json", null, null)]
    public void Scanner_SplitAtEveryByte_ReadsWhatAParseReads(string json, long? input, long? output)
    {
        (long, long)? expected = input is null ? null : (input.Value, output ?? 0);
        foreach (var read in ReadAtEverySplit(json, ConnectorKind.Anthropic))
        {
            Assert.Equal(expected, read is { } usage ? (usage.InputTokens, usage.OutputTokens) : null);
        }
    }

    [Theory]
    [InlineData("""{"type":"message_start","message":{"usage":{"input_tokens":4,"cache_creation_input_tokens":30,"cache_read_input_tokens":7,"cache_creation":{"ephemeral_5m_input_tokens":10,"ephemeral_1h_input_tokens":20},"output_tokens":1}}}""", 10L, 20L, 7L)]
    [InlineData("""{"usage":{"input_tokens":4,"cache_creation_input_tokens":30,"cache_read_input_tokens":7,"output_tokens":1}}""", 30L, 0L, 7L)]
    [InlineData("""{"usage":{"input_tokens":4,"cache_creation":{"x":{"ephemeral_1h_input_tokens":9}},"ephemeral_1h_input_tokens":8,"cache_creation_input_tokens":30,"cache_read_input_tokens":7,"output_tokens":1}}""", 30L, 0L, 7L)]
    public void Scanner_AnthropicCacheTokens_SplitIntoFiveMinuteWritesOneHourWritesAndReads(string json, long written, long writtenOneHour, long read)
    {
        var expected = new ModelUsage(41, 1) { Cache = new PromptCacheTokens(written, writtenOneHour, read) };
        Assert.All(ReadAtEverySplit(json, ConnectorKind.Anthropic), usage => Assert.Equal(expected, usage));
    }

    [Theory]
    [InlineData("""{"usage":{"prompt_tokens":4,"cache_creation_input_tokens":30,"cache_read_input_tokens":7,"cache_creation":{"ephemeral_1h_input_tokens":20},"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":3}}}""")]
    [InlineData("""{"type":"response.completed","response":{"usage":{"input_tokens":4,"cache_creation_input_tokens":30,"cache_read_input_tokens":7,"output_tokens":1}}}""")]
    public void Scanner_OpenAiAnswerWithAnthropicCacheFields_CountsNoCacheTokens(string json)
    {
        // An openai entry's call is reserved at its input price alone: Anthropic's cache counts are no part of its usage.
        Assert.All(ReadAtEverySplit(json, ConnectorKind.OpenAI), usage => Assert.Equal(new ModelUsage(4, 1), usage));
    }

    [Fact]
    public void Scanner_StringsLongerThanItHolds_SkippedWithTheirEscapesAcrossChunks()
    {
        var text = string.Concat(Enumerable.Repeat("ab\\\"cd\\\\", 20_000));
        var bytes = Encoding.UTF8.GetBytes($$$"""{"content":"{{{text}}}","{{{text}}}":1,"usage":{"prompt_tokens":8,"completion_tokens":2}}""");
        foreach (var chunk in (int[])[1, 7, 4096, 100_000])
        {
            var scanner = new JsonUsageScanner(ConnectorKind.OpenAI);
            for (var offset = 0; offset < bytes.Length; offset += chunk)
            {
                scanner.Write(bytes.AsSpan(offset, Math.Min(chunk, bytes.Length - offset)));
            }

            scanner.Complete();

            Assert.True(scanner.TryGetUsage(out var input, out var output), $"chunks of {chunk}");
            Assert.Equal((8L, 2L), (input, output));
        }
    }

    [Fact]
    public void SseUsageTap_ResponsesCompletedEventOverOneMebibyte_ReadsItsUsageAndItsEnd()
    {
        var output = new string('x', 1_500_000);
        var sse = "event: response.created\r\ndata: {\"type\":\"response.created\",\"response\":{\"usage\":null}}\r\n\r\n"
            + "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"output\":[{\"text\":\"" + output + "\"}],\n"
            + "data: \"usage\":{\"input_tokens\":151000,\"output_tokens\":375000}}}\n\n";
        var bytes = Encoding.UTF8.GetBytes(sse);
        var usage = new ModelUsageAccumulator(ConnectorKind.OpenAI);
        var tap = new SseUsageTap(usage);
        var forwarded = new ArrayBufferWriter<byte>();

        for (var offset = 0; offset < bytes.Length; offset += 16 * 1024)
        {
            tap.Write(bytes.AsSpan(offset, Math.Min(16 * 1024, bytes.Length - offset)), forwarded);
        }

        tap.Complete(forwarded);

        Assert.Equal(new ModelUsage(151000, 375000), usage.Usage);
        Assert.False(usage.StreamCut);
        Assert.Equal(sse.Replace("\r\n", "\n", StringComparison.Ordinal), Encoding.UTF8.GetString(forwarded.WrittenSpan));
    }

    [Theory]
    [InlineData("data: {\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1}}\n\ndata: [DONE]\n\n", false)]
    [InlineData("\uFEFFdata:{\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1}}\r\rdata:  [DONE]", false)]
    [InlineData(": keep-alive\ndata: {\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1}}\n\ndata: {\"choices\":[]}\n\n", true)]
    [InlineData("data: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", false)]
    public void SseUsageTap_SplitAtEveryByte_ReadsUsageAndWhetherTheStreamEnded(string sse, bool cut)
    {
        var bytes = Encoding.UTF8.GetBytes(sse);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var usage = new ModelUsageAccumulator(ConnectorKind.Anthropic);
            var tap = new SseUsageTap(usage);
            var forwarded = new ArrayBufferWriter<byte>();
            tap.Write(bytes.AsSpan(0, split), forwarded);
            tap.Write(bytes.AsSpan(split), forwarded);
            tap.Complete(forwarded);

            Assert.Equal(new ModelUsage(5, 1), usage.Usage);
            Assert.Equal(cut, usage.StreamCut);
        }
    }

    // The usage an accumulator holds once the scanner read the document in two writes, split at each byte in turn.
    private static IEnumerable<ModelUsage?> ReadAtEverySplit(string json, ConnectorKind kind)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var scanner = new JsonUsageScanner(kind);
            scanner.Write(bytes.AsSpan(0, split));
            scanner.Write(bytes.AsSpan(split));
            scanner.Complete();
            var accumulator = new ModelUsageAccumulator(kind);
            accumulator.ObserveScanned(scanner, streamed: false);
            yield return accumulator.Usage;
        }
    }
}
