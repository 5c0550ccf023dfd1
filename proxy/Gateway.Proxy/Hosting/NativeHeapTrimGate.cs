namespace Gateway.Proxy.Hosting;

/// <summary>
/// One trim of the C heap per interval for the whole process: the heap is the process's, so where several gateways share
/// one process (hosted side by side, or in tests) only the first whose turn comes within an interval trims.
/// </summary>
internal sealed class NativeHeapTrimGate
{
    private long _lastTrimMilliseconds = long.MinValue;

    /// <summary>The process's gate, which every gateway's trimmer asks.</summary>
    public static NativeHeapTrimGate Process { get; } = new();

    /// <summary>
    /// True, and the trim is this caller's, when none was claimed in the last nine tenths of <paramref name="interval"/>
    /// before <paramref name="nowMilliseconds"/> (a tenth spare, so that one host's timer running a little early still trims).
    /// </summary>
    public bool TryClaim(long nowMilliseconds, TimeSpan interval)
    {
        var spacing = (long)(interval.TotalMilliseconds * 0.9);
        while (true)
        {
            var last = Volatile.Read(ref _lastTrimMilliseconds);
            if (last != long.MinValue && nowMilliseconds - last < spacing)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _lastTrimMilliseconds, nowMilliseconds, last) == last)
            {
                return true;
            }
        }
    }
}
