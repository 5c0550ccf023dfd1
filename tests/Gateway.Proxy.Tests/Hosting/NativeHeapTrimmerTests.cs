using System.Globalization;
using System.Runtime.InteropServices;
using Gateway.Proxy.Configuration;
using Gateway.Proxy.Hosting;
using Gateway.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>
/// The C library's free heap pages go back to the system: glibc's <c>malloc_trim</c> on this machine's real heap, called
/// every <c>Gateway:NativeHeap:TrimInterval</c> until the gateway stops, never where the library has none.
/// </summary>
public sealed class NativeHeapTrimmerTests
{
    private const int BlockBytes = 4096;
    private const int Blocks = 16_384;
    private const int KeptEvery = 64;

    [Fact]
    public void TryTrim_FreedBlocksBetweenLiveOnes_GivesTheirPagesBack()
    {
        long before = 0, after = 0;
        bool supported = false, released = false;

        // On a thread of its own, so that its blocks come from one arena; every 64th block stays live, so the 63 MiB freed
        // lie between live blocks, where glibc does not give pages back by itself.
        var thread = new Thread(() =>
        {
            var kept = FragmentedHeap();
            before = ResidentKilobytes(kept);
            supported = NativeHeap.TryTrim(out released);
            after = ResidentKilobytes(kept);
            Free(kept);
        });
        thread.Start();
        thread.Join();

        Assert.True(supported);
        Assert.True(released);
        Assert.True(before - after >= 32 * 1024, $"resident before the trim {before} KiB, after {after} KiB");
    }

    [Fact]
    public async Task Trimmer_EveryInterval_TrimsUntilStopped()
    {
        var trims = 0;
        var third = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var trimmer = new NativeHeapTrimmer(TimeSpan.FromMilliseconds(10), TimeProvider.System, NullLogger<NativeHeapTrimmer>.Instance, new NativeHeapTrimGate(), () =>
        {
            if (Interlocked.Increment(ref trims) == 3)
            {
                third.TrySetResult();
            }

            return (true, true);
        });

        await trimmer.StartAsync(CancellationToken.None);
        await third.Task.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        await trimmer.StopAsync(CancellationToken.None);

        Assert.True(trimmer.ExecuteTask!.IsCompletedSuccessfully);
        Assert.True(Volatile.Read(ref trims) >= 3);
    }

    [Fact]
    public async Task Trimmer_LibraryWithoutMallocTrim_StopsAfterTheFirstTry()
    {
        var trims = 0;
        using var trimmer = new NativeHeapTrimmer(TimeSpan.FromMilliseconds(10), TimeProvider.System, NullLogger<NativeHeapTrimmer>.Instance, new NativeHeapTrimGate(), () =>
        {
            Interlocked.Increment(ref trims);
            return (false, false);
        });

        await trimmer.StartAsync(CancellationToken.None);
        await trimmer.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal(1, Volatile.Read(ref trims));
    }

    [Fact]
    public async Task Trimmer_IntervalZero_NeverTrims()
    {
        var trims = 0;
        using var trimmer = new NativeHeapTrimmer(TimeSpan.Zero, TimeProvider.System, NullLogger<NativeHeapTrimmer>.Instance, new NativeHeapTrimGate(), () =>
        {
            Interlocked.Increment(ref trims);
            return (true, true);
        });

        await trimmer.StartAsync(CancellationToken.None);
        await trimmer.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.True(trimmer.ExecuteTask.IsCompletedSuccessfully);
        Assert.Equal(0, Volatile.Read(ref trims));
    }

    [Fact]
    public void TryClaim_TwoCallersInOneInterval_LetsTheFirstThrough()
    {
        var gate = new NativeHeapTrimGate();
        var interval = TimeSpan.FromSeconds(60);

        Assert.True(gate.TryClaim(1_000, interval));
        Assert.False(gate.TryClaim(1_000, interval));
        Assert.False(gate.TryClaim(30_000, interval));
        Assert.True(gate.TryClaim(55_000, interval));
        Assert.False(gate.TryClaim(56_000, interval));
    }

    [Theory]
    [InlineData(1_000L, 1_000_000L)]
    // Nanoseconds: the clock crosses the point where timestamp x 1,000 no longer fits a long (about 106 days up).
    [InlineData(1_000_000_000L, 9_223_372_036_850_000L)]
    public async Task Trimmers_TwoSharingAGate_TrimOncePerIntervalBetweenThem(long frequency, long start)
    {
        var clock = new StoppedTimestamps(frequency, start);
        var gate = new NativeHeapTrimGate();
        var trims = 0;
        var logs = new FakeLogger<NativeHeapTrimmer>();
        int Skips() => logs.Collector.GetSnapshot().Count(static r => r.Id.Id == 3);  // the trims left to the other
        (bool, bool) Trim()
        {
            Interlocked.Increment(ref trims);
            return (true, true);
        }

        // Both tick every 10 ms of real time; the gate reads the stopped clock, so within one interval only one trims.
        using var first = new NativeHeapTrimmer(TimeSpan.FromMilliseconds(10), clock, logs, gate, Trim);
        using var second = new NativeHeapTrimmer(TimeSpan.FromMilliseconds(10), clock, logs, gate, Trim);
        await first.StartAsync(CancellationToken.None);
        await second.StartAsync(CancellationToken.None);

        await Eventually.HoldsAsync(() => Skips() >= 10, TimeSpan.FromSeconds(30), "the trimmers did not tick");
        Assert.Equal(1, Volatile.Read(ref trims));

        clock.Advance(TimeSpan.FromMilliseconds(10));
        var skipped = Skips();
        await Eventually.HoldsAsync(() => Skips() >= skipped + 10, TimeSpan.FromSeconds(30), "the trimmers did not tick again");
        await first.StopAsync(CancellationToken.None);
        await second.StopAsync(CancellationToken.None);

        Assert.Equal(2, Volatile.Read(ref trims));
    }

    [Theory]
    [InlineData("-00:00:01")]
    [InlineData("1.00:00:01")]
    public void Validate_TrimIntervalOutOfRange_FailsNamingTheKey(string interval)
    {
        var options = new GatewayOptions();
        options.Policy.BundlePath = "/bundle";
        options.NativeHeap.TrimInterval = TimeSpan.Parse(interval, CultureInfo.InvariantCulture);

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, static f => f.Contains("Gateway:NativeHeap:TrimInterval", StringComparison.Ordinal));
    }

    /// <summary>Allocates 64 MiB in 4 KiB blocks (<c>malloc</c>), each written, and frees all but every 64th; returns those kept.</summary>
    private static List<nint> FragmentedHeap()
    {
        var content = new byte[BlockBytes];
        Array.Fill(content, (byte)0x5a);
        var blocks = new nint[Blocks];
        for (var i = 0; i < Blocks; i++)
        {
            blocks[i] = Marshal.AllocHGlobal(BlockBytes);
            Marshal.Copy(content, 0, blocks[i], BlockBytes);
        }

        var kept = new List<nint>();
        for (var i = 0; i < Blocks; i++)
        {
            if (i % KeptEvery == 0)
            {
                kept.Add(blocks[i]);
            }
            else
            {
                Marshal.FreeHGlobal(blocks[i]);
            }
        }

        return kept;
    }

    private static void Free(List<nint> blocks)
    {
        foreach (var block in blocks)
        {
            Marshal.FreeHGlobal(block);
        }
    }

    /// <summary>The resident size (/proc/self/smaps) of the mappings that hold any of <paramref name="blocks"/>.</summary>
    private static long ResidentKilobytes(List<nint> blocks)
    {
        long total = 0;
        var holds = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var dash = line.IndexOf('-', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (dash > 0 && space > dash && ulong.TryParse(line.AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start)
                && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end))
            {
                holds = blocks.Exists(b => (ulong)b >= start && (ulong)b < end);
            }
            else if (holds && line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                total += long.Parse(line.AsSpan(4).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
            }
        }

        return total;
    }

    /// <summary>Timestamps that move only when told; timers still run on real time.</summary>
    private sealed class StoppedTimestamps(long frequency, long start) : TimeProvider
    {
        private long _timestamp = start;

        public override long TimestampFrequency => frequency;

        public override long GetTimestamp() => Volatile.Read(ref _timestamp);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _timestamp, (long)(by.TotalSeconds * frequency));
    }
}
