using Gateway.Policy;

namespace Gateway.Connectors.Models;

/// <summary>
/// Collects usage while a model response streams: each document as <see cref="JsonUsageScanner"/> read it (a stream's
/// events, <see cref="SseUsageTap"/>; a whole JSON body, <see cref="ModelUsageReader.FromJson"/>). Streamed counts are
/// cumulative, so the largest input, output and prompt-cache counts seen are kept (a cache write not reported as a 1-hour
/// one is a 5-minute one); a stream's are final only once its terminal event came
/// (<see cref="StreamCut"/>).
/// </summary>
public sealed class ModelUsageAccumulator
{
    private long? _input;
    private long? _output;
    private long? _cacheWritten;
    private long? _cacheWrittenOneHour;
    private long? _cacheRead;
    private bool _streamed;
    private bool _streamEnded;

    /// <summary>An accumulator of the usage a <paramref name="kind"/> connector's answer reports (<see cref="Kind"/>).</summary>
    public ModelUsageAccumulator(ConnectorKind kind) => Kind = kind;

    /// <summary>The kind of connector whose answer is read: only an <c>anthropic</c> one's prompt-cache counts are read (<see cref="JsonUsageScanner"/>).</summary>
    public ConnectorKind Kind { get; }

    /// <summary>The usage seen so far, or null when none was reported.</summary>
    public ModelUsage? Usage => _input is null && _output is null ? null : new ModelUsage(_input ?? 0, _output ?? 0)
    {
        Cache = new PromptCacheTokens(Math.Max(0, (_cacheWritten ?? 0) - (_cacheWrittenOneHour ?? 0)), _cacheWrittenOneHour ?? 0, _cacheRead ?? 0),
    };

    /// <summary>
    /// Whether a stream was observed that ended before its terminal event (<c>[DONE]</c>, <c>message_stop</c>,
    /// <c>response.completed</c>, <c>response.incomplete</c> or <c>response.failed</c>): its usage so far is not what the
    /// call used (Anthropic reports the input and one output token at the start, the rest at the end).
    /// </summary>
    public bool StreamCut => _streamed && !_streamEnded;

    /// <summary>
    /// Observes what <paramref name="scanner"/> read of one document, complete (a whole body, or a stream's event; with
    /// <paramref name="done"/>, the stream's <c>[DONE]</c>).
    /// </summary>
    internal void ObserveScanned(JsonUsageScanner scanner, bool streamed, bool done = false)
    {
        _streamed |= streamed;
        if (scanner.TryGetUsage(out var input, out var output))
        {
            _input = Max(_input, input);
            _output = Max(_output, output);
            scanner.GetCacheUsage(out var written, out var writtenOneHour, out var read);
            _cacheWritten = Max(_cacheWritten, written);
            _cacheWrittenOneHour = Max(_cacheWrittenOneHour, writtenOneHour);
            _cacheRead = Max(_cacheRead, read);
        }

        _streamEnded |= streamed && (done || scanner.Terminal);
    }

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}
