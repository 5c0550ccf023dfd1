using System.Collections.Concurrent;
using System.Diagnostics;
using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary>redis-server killed under traffic, then restarted on the same port.</summary>
public sealed class RedisOutageTests
{
    [Fact]
    public async Task Calls_ServerKilledUnderTrafficThenRestarted_FailFastThenRecoverWithoutNewStore()
    {
        await using var server = await RedisServer.StartAsync();
        await using var store = new RedisStateStore(new RedisStoreOptions
        {
            Endpoint = server.Endpoint,
            CommandTimeout = TimeSpan.FromSeconds(1),
            ReconnectMaxBackoff = TimeSpan.FromMilliseconds(500),
        });
        await store.PingAsync();

        var unexpected = new ConcurrentQueue<Exception>();
        var slowest = new ConcurrentBag<TimeSpan>();
        var failures = 0;
        var successesAfterRestart = 0;
        var restarted = false;
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var watch = Stopwatch.StartNew();
                try
                {
                    await store.IncrementAsync($"traffic:{worker}", 1, null);
                    if (Volatile.Read(ref restarted))
                    {
                        Interlocked.Increment(ref successesAfterRestart);
                    }
                }
                catch (StateStoreUnavailableException)
                {
                    Interlocked.Increment(ref failures);
                    await Task.Delay(5);
                }
                catch (Exception ex)
                {
                    unexpected.Enqueue(ex);
                }

                slowest.Add(watch.Elapsed);
            }
        })).ToArray();

        await Task.Delay(200);
        await server.KillAsync();
        await Task.Delay(800);

        // During the outage, a single call is refused at once.
        var outageCall = Stopwatch.StartNew();
        await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.PingAsync());
        Assert.True(outageCall.Elapsed < TimeSpan.FromMilliseconds(300), $"An outage call took {outageCall.Elapsed}.");

        await server.StartAsync();
        Volatile.Write(ref restarted, true);
        var recovery = Stopwatch.StartNew();
        await RespClientTests.EventuallyAsync(async () => { await store.PingAsync(); return true; }, TimeSpan.FromSeconds(5));
        var recoveredIn = recovery.Elapsed;
        await Task.Delay(100);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Assert.Empty(unexpected);
        Assert.True(failures > 0, "No call failed during the outage.");
        Assert.True(successesAfterRestart > 0, "No call succeeded after the restart.");
        Assert.True(recoveredIn < TimeSpan.FromSeconds(3), $"Recovery took {recoveredIn}.");
        Assert.True(slowest.Max() < TimeSpan.FromMilliseconds(1500), $"The slowest call took {slowest.Max()}.");
        Assert.True(store.IsConnected);
    }

    [Fact]
    public async Task Calls_NothingListening_FailFastWithUnavailable()
    {
        await using var store = new RedisStateStore(new RedisStoreOptions { Endpoint = $"127.0.0.1:{FreePort.Next()}" });

        var first = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.GetAsync("k"));
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.GetAsync("k"));
        }

        Assert.Contains("127.0.0.1", first.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(500), $"20 calls took {watch.Elapsed}.");
    }
}
