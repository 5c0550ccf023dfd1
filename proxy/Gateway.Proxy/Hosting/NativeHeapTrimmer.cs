using Gateway.Proxy.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// Gives the C library's free heap pages back to the system every <c>Gateway:NativeHeap:TrimInterval</c>. glibc gives back
/// only the free top of an arena by itself; what is freed between live blocks stays resident until it is trimmed (after
/// warm-up at 1,000 requests a second, 11.5 MB of one arena's 15.7 MB were such free chunks). The heap is the process's:
/// a <see cref="NativeHeapTrimGate"/> lets one trim through per interval however many gateways the process holds.
/// </summary>
internal sealed partial class NativeHeapTrimmer : BackgroundService
{
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly NativeHeapTrimGate _gate;
    private readonly Func<(bool Supported, bool Released)> _trim;

    /// <summary>Trims with <see cref="NativeHeap.TryTrim"/>, or with <paramref name="trim"/> where given, when <paramref name="gate"/> lets it.</summary>
    internal NativeHeapTrimmer(TimeSpan interval, TimeProvider time, ILogger<NativeHeapTrimmer> logger, NativeHeapTrimGate gate, Func<(bool Supported, bool Released)>? trim = null)
    {
        _interval = interval;
        _time = time;
        _logger = logger;
        _gate = gate;
        _trim = trim ?? TrimHeap;
    }

    /// <summary>The trimmer the container makes, from the validated options, behind the process's gate.</summary>
    public NativeHeapTrimmer(IOptions<GatewayOptions> options, TimeProvider time, ILogger<NativeHeapTrimmer> logger)
        : this(options.Value.NativeHeap.TrimInterval, time, logger, NativeHeapTrimGate.Process)
    {
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(_interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var started = _time.GetTimestamp();
                // In double, as TimeProvider.GetElapsedTime does: a nanosecond timestamp times 1,000 overflows a long after 106 days up.
                if (!_gate.TryClaim((long)(started * 1000d / _time.TimestampFrequency), _interval))
                {
                    LogTrimmedElsewhere(_logger);
                    continue;
                }

                var (supported, released) = _trim();
                if (!supported)
                {
                    LogUnsupported(_logger);
                    return;
                }

                LogTrimmed(_logger, _time.GetElapsedTime(started).TotalMilliseconds, released);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private static (bool Supported, bool Released) TrimHeap() => (NativeHeap.TryTrim(out var released), released);

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Native heap trimmed in {ElapsedMilliseconds:0.000} ms (memory given back: {Released}).")]
    private static partial void LogTrimmed(ILogger logger, double elapsedMilliseconds, bool released);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Native heap not trimmed: another gateway in this process trimmed it within the interval.")]
    private static partial void LogTrimmedElsewhere(ILogger logger);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "The C library has no malloc_trim (not glibc): the native heap is not trimmed.")]
    private static partial void LogUnsupported(ILogger logger);
}
