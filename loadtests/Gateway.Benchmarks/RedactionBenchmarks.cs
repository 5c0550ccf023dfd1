using BenchmarkDotNet.Attributes;
using Gateway.Connectors.Redaction;

namespace Gateway.Benchmarks;

/// <summary>
/// The redactor on what it sees most: a streamed chat chunk and a small tool result, neither holding
/// anything sensitive (the common case), and the same chunk with an e-mail in it.
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

    [Benchmark]
    public string RedactChatChunk() => TextRedactor.Redact(ChatChunk, new RedactionCounts());

    [Benchmark]
    public string RedactToolResult() => TextRedactor.Redact(ToolResult, new RedactionCounts());

    [Benchmark]
    public string RedactChatChunkWithEmail() => TextRedactor.Redact(ChatChunkWithEmail, new RedactionCounts());
}
