using System.Buffers;
using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Gateway.Connectors.Redaction;

namespace Gateway.Benchmarks;

/// <summary>
/// The redactor on what it sees most: a streamed chat chunk and a small tool result, neither holding
/// anything sensitive (the common case), and the same chunk with an e-mail in it; and a whole streamed
/// chat completion through the SSE redactor (62 events of an OpenAI-style <c>chat.completion.chunk</c>
/// stream, one network write per event), clean and with an e-mail address split across three events.
/// </summary>
[MemoryDiagnoser]
public class RedactionBenchmarks
{
    private const string ChatChunk =
        "{\"id\":\"chatcmpl-9x2Yl4bQ7vN3kP0aZ\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,"
        + "\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[{\"index\":0,"
        + "\"delta\":{\"content\":\" Hello there, how can I help you with your order 1042 today?\"},\"logprobs\":null,\"finish_reason\":null}]}";

    private const string ToolResult =
        "{\"id\":\"42\",\"name\":\"Ada Lovelace\",\"company\":\"Analytical Engines Ltd\",\"stage\":\"customer\",\"updated\":\"2026-11-20T10:15:00Z\"}";

    private const string ChatChunkWithEmail = ChatChunk + " write to ada@example.com";

    private static readonly byte[][] SseStream = ChatCompletionStream(Words(60));

    private static readonly byte[][] SseStreamWithSplitEmail = ChatCompletionStream([.. Words(57), "write to ada@exa", "mple.", "com please"]);

    private readonly ArrayBufferWriter<byte> _sseOutput = new(16 * 1024);

    [Benchmark]
    public string RedactChatChunk() => TextRedactor.Redact(ChatChunk, new RedactionCounts());

    [Benchmark]
    public string RedactToolResult() => TextRedactor.Redact(ToolResult, new RedactionCounts());

    [Benchmark]
    public string RedactChatChunkWithEmail() => TextRedactor.Redact(ChatChunkWithEmail, new RedactionCounts());

    [Benchmark]
    public int RedactSseStream() => RedactStream(SseStream);

    [Benchmark]
    public int RedactSseStreamWithSplitEmail() => RedactStream(SseStreamWithSplitEmail);

    private int RedactStream(byte[][] events)
    {
        _sseOutput.ResetWrittenCount();
        var redactor = new SseBodyRedactor(new RedactionCounts());
        foreach (var chunk in events)
        {
            redactor.Write(chunk, _sseOutput);
        }

        redactor.Complete(_sseOutput);
        return _sseOutput.WrittenCount;
    }

    private static string[] Words(int count) =>
        [.. Enumerable.Range(0, count).Select(static i => (i % 5) switch { 0 => "The ", 1 => "order ", 2 => "ships ", 3 => "on ", _ => "Monday. " })];

    // The role event, one event per piece of content, the finish event and [DONE], as OpenAI streams them.
    private static byte[][] ChatCompletionStream(string[] pieces)
    {
        const string Head = "{\"id\":\"chatcmpl-9x2Yl4bQ7vN3kP0aZ\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,"
            + "\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[{\"index\":0,";
        var events = new List<string> { Head + "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}" };
        events.AddRange(pieces.Select(static piece => Head + "\"delta\":{\"content\":\"" + piece + "\"},\"logprobs\":null,\"finish_reason\":null}]}"));
        events.Add(Head + "\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}");
        events.Add("[DONE]");
        return [.. events.Select(static data => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"data: {data}\n\n")))];
    }
}
