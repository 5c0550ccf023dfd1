using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace Gateway.LoadTests.BareProxy;

/// <summary>
/// A floor, not a gateway (issue #52): bare YARP that waits on <paramref name="count"/> Redis round trips, one after
/// another, before it forwards each request, as the gateway waits on its store before it forwards and before the
/// answer ends. Each round trip is a nonce write (<c>SET key 1 NX PX 300000</c>) from StackExchange.Redis, the gateway's
/// own client, sent alone. What this proxy adds over bare YARP at a fixed rate is what the waits alone cost on this
/// machine, with none of the gateway's own work: no design that still makes that many serial store calls can add less.
/// With <paramref name="work"/>, it then spends that much CPU on the request's thread, standing in for the gateway's own
/// work, to show how much of it the machine takes at a rate before the tail grows.
/// </summary>
/// <param name="redis">The connection the waits are made on.</param>
/// <param name="count">How many round trips, one after another.</param>
/// <param name="work">CPU time spent on the request's thread after the waits, standing in for the gateway's own work
/// (zero: none).</param>
internal sealed class StoreWaits(IConnectionMultiplexer redis, int count, TimeSpan work) : IMiddleware
{
    private readonly IDatabase _database = redis.GetDatabase();
    private readonly string _keyPrefix = $"floor:nonce:{Environment.ProcessId}:";

    // A fixed amount of work, measured once at start to take the given time: under load it costs the same CPU however often
    // the thread is preempted.
    private readonly long _workRounds = work > TimeSpan.Zero ? CalibrateRounds(work) : 0;
    private long _sequence;
    private ulong _workResult;

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        for (var i = 0; i < count; i++)
        {
            var key = _keyPrefix + Interlocked.Increment(ref _sequence).ToString(CultureInfo.InvariantCulture);
            if (!await _database.StringSetAsync(key, "1", TimeSpan.FromMinutes(5), When.NotExists).ConfigureAwait(false))
            {
                context.Response.StatusCode = StatusCodes.Status409Conflict;
                return;
            }
        }

        if (_workRounds > 0)
        {
            // Kept, so that the work is not optimised away.
            Volatile.Write(ref _workResult, SpendCpu(_workRounds));
        }

        await next(context).ConfigureAwait(false);
    }

    // Arithmetic alone, optimised from the first call and calling nothing, so that the calibration measures the code that
    // runs under load.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong SpendCpu(long rounds)
    {
        var hash = 0x9E3779B97F4A7C15UL;
        for (var i = 0L; i < rounds; i++)
        {
            hash = (hash ^ (ulong)i) * 0xBF58476D1CE4E5B9UL;
            hash ^= hash >> 31;
        }

        return hash;
    }

    private static long CalibrateRounds(TimeSpan work)
    {
        const long Probe = 1_000_000;
        var best = TimeSpan.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            var started = Stopwatch.GetTimestamp();
            SpendCpu(Probe);
            var took = Stopwatch.GetElapsedTime(started);
            best = took < best ? took : best;
        }

        return Math.Max(1, Probe * work.Ticks / best.Ticks);
    }
}
