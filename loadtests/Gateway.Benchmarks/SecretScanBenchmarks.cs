using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Gateway.Connectors.Detection;

namespace Gateway.Benchmarks;

/// <summary>
/// The secret-material scan of an agent's request body (the Describe stage, every provider call): the peers'
/// benchmark request (an OpenAI chat completion of 1 KiB whose user message is padded with one letter) and the
/// same size of ordinary English prose, neither holding anything sensitive.
/// </summary>
[MemoryDiagnoser]
public class SecretScanBenchmarks
{
    private static readonly byte[] PaddedChat = Chat("Summarise the following notes. " + new string('x', 900));

    private static readonly byte[] ProseChat = Chat(string.Concat(Enumerable.Repeat("The order ships on Monday; ask the desk about returns. ", 17)));

    [Benchmark]
    public int ScanPaddedChat() => SecretMaterialDetector.Scan(PaddedChat).Count;

    [Benchmark]
    public int ScanProseChat() => SecretMaterialDetector.Scan(ProseChat).Count;

    private static byte[] Chat(string content) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        model = "gpt-4o-mini",
        stream = false,
        messages = new object[] { new { role = "system", content = "You are a helpful assistant." }, new { role = "user", content } },
    });
}
