using System.Collections.Concurrent;
using Gateway.Testing;
using StackExchange.Redis;

namespace Gateway.Store.Tests;

/// <summary>
/// redis-server killed under traffic, then restarted on the same port. Fail-fast is proven by what
/// a call fails with (no connection, not a reply deadline), never by timing the call, so the test
/// holds on a loaded machine.
/// </summary>
public sealed class RedisOutageTests
{
    [Fact]
    public async Task Calls_ServerKilledUnderTrafficThenRestarted_FailFastThenRecoverWithoutNewStore()
    {
        await using var server = await RedisServer.StartAsync();
        await using var store = new RedisStateStore(new RedisStoreOptions
        {
            Endpoint = server.Endpoint,
            ConnectTimeout = TimeSpan.FromSeconds(10),

            // A call that waited for a reply would fail with a timeout; one refused at once fails with
            // "no connection". Long enough that the former cannot pass for the latter.
            CommandTimeout = TimeSpan.FromSeconds(30),
            ReconnectMaxBackoff = TimeSpan.FromMilliseconds(500),
        });
        await store.PingAsync();

        var unexpected = new ConcurrentQueue<Exception>();
        var outageFailures = new ConcurrentQueue<StateStoreUnavailableException>();
        var successesBeforeKill = 0;
        var successesAfterRestart = 0;
        var phase = 0; // 0 before the kill, 1 during the outage, 2 after the restart
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var during = Volatile.Read(ref phase);
                try
                {
                    await store.IncrementAsync($"traffic:{worker}", 1, null);
                    if (during == 0)
                    {
                        Interlocked.Increment(ref successesBeforeKill);
                    }
                    else if (during == 2)
                    {
                        Interlocked.Increment(ref successesAfterRestart);
                    }
                }
                catch (StateStoreUnavailableException ex)
                {
                    if (during == 1)
                    {
                        outageFailures.Enqueue(ex);
                    }

                    await Task.Delay(5);
                }
                catch (Exception ex)
                {
                    unexpected.Enqueue(ex);
                }
            }
        })).ToArray();

        await EventuallyAsync(() => Volatile.Read(ref successesBeforeKill) > 0);
        await server.KillAsync();
        Volatile.Write(ref phase, 1);
        await EventuallyAsync(() => !store.IsConnected && outageFailures.Count >= 8);

        // While the server is down, a single call is refused because there is no connection: it does
        // not wait for a reply (that would end in a timeout after 30 s).
        var outageCall = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.PingAsync());
        Assert.IsType<RedisConnectionException>(outageCall.InnerException);
        Assert.Contains(server.Endpoint, outageCall.Message, StringComparison.Ordinal);

        await server.StartAsync();
        Volatile.Write(ref phase, 2);
        await RedisStateStoreTests.EventuallyAsync(async () => { await store.PingAsync(); return true; });
        await EventuallyAsync(() => Volatile.Read(ref successesAfterRestart) >= 8);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Assert.Empty(unexpected);
        Assert.DoesNotContain(outageFailures, f => f.InnerException is TimeoutException);
        Assert.True(store.IsConnected);
    }

    [Fact]
    public async Task Calls_NothingListening_FailUnavailableWithoutWaitingForAReply()
    {
        await using var store = new RedisStateStore(new RedisStoreOptions { Endpoint = $"127.0.0.1:{FreePort.Next()}", CommandTimeout = TimeSpan.FromSeconds(30) });

        var first = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.GetAsync("k"));
        for (var i = 0; i < 20; i++)
        {
            var again = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.GetAsync("k"));
            Assert.IsType<RedisConnectionException>(again.InnerException);
        }

        Assert.Contains("127.0.0.1", first.Message, StringComparison.Ordinal);
        Assert.False(store.IsConnected);
    }

    private static Task EventuallyAsync(Func<bool> condition) =>
        Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(60), "The condition never held.");
}
