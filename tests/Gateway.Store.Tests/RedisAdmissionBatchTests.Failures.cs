using StackExchange.Redis;

namespace Gateway.Store.Tests;

/// <summary>Batched admissions when the server fails or a caller cancels: the whole batch fails, no other caller is touched.</summary>
public sealed partial class RedisAdmissionBatchTests
{
    [Fact]
    public async Task AdmitAsync_ServerKilledMidBatchWithReservations_FailsEveryRequest()
    {
        await using var store = await StoreAsync(batch: true);
        await HoldServerAsync();
        var admissions = Enumerable.Range(0, 10).Select(_ => store.AdmitAsync(Fresh([]) with { Budget = new BudgetReservation(_prefix + "killed:budget", 10, 1000, Day) }).AsTask()).ToArray();

        // Killed while held: the restarted server holds nothing.
        await _server.KillAsync();

        foreach (var admission in admissions)
        {
            await Assert.ThrowsAsync<StateStoreUnavailableException>(() => admission);
        }

        await _server.StartAsync();
    }

    [Fact]
    public async Task AdmitAsync_OneQueuedAndOneInFlightCallerCancelled_OthersAdmittedAndQueuedNonceUnspent()
    {
        await using var store = await StoreAsync(batch: true);
        var requests = Enumerable.Range(0, 5).Select(_ => Fresh([])).ToArray();
        using var inFlight = new CancellationTokenSource();
        using var queued = new CancellationTokenSource();

        await HoldServerAsync();
        Task<AdmissionOutcome>[] admissions;
        try
        {
            admissions = [.. requests.Select((r, i) => store.AdmitAsync(r, i switch { 0 => inFlight.Token, 2 => queued.Token, _ => default }).AsTask())];
            await inFlight.CancelAsync();
            await queued.CancelAsync();
        }
        finally
        {
            await ReleaseServerAsync();
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => admissions[0]);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => admissions[2]);
        foreach (var i in new[] { 1, 3, 4 })
        {
            Assert.True((await admissions[i]).NonceFresh);
        }

        // The queued request was dropped before it was sent; the one in flight was decided regardless.
        Assert.True(await store.TrySetIfAbsentAsync(requests[2].NonceKey, "0", TimeSpan.FromMinutes(1)));
        Assert.False(await store.TrySetIfAbsentAsync(requests[0].NonceKey, "0", TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task AdmitAsync_ServerKilledMidBatch_FailsEveryRequestThenRecovers()
    {
        await using var store = await StoreAsync(batch: true);
        await HoldServerAsync();
        var admissions = Enumerable.Range(0, 10).Select(_ => store.AdmitAsync(Fresh([])).AsTask()).ToArray();

        // Killed while held: the restarted server holds nothing.
        await _server.KillAsync();

        foreach (var admission in admissions)
        {
            await Assert.ThrowsAsync<StateStoreUnavailableException>(() => admission);
        }

        await _server.StartAsync();
        Assert.True((await RedisStateStoreTests.EventuallyAsync(() => store.AdmitAsync(Fresh([])).AsTask())).NonceFresh);
    }

    [Fact]
    public async Task AdmitAsync_ServerFrozenMidBatch_FailsEveryRequestWithTimeoutThenRecovers()
    {
        await using var store = await StoreAsync(batch: true, commandTimeout: TimeSpan.FromMilliseconds(300));
        Task<AdmissionOutcome>[] admissions;
        await _server.SignalAsync(freeze: true);
        try
        {
            admissions = [.. Enumerable.Range(0, 10).Select(_ => store.AdmitAsync(Fresh([])).AsTask())];
            foreach (var admission in admissions)
            {
                var refused = await Assert.ThrowsAsync<StateStoreUnavailableException>(() => admission);

                // The first batch's call times out; a later batch may find the client has given the connection up for
                // that timeout already (a slow machine's heartbeat), and is refused for that instead: still no admission.
                Assert.True(
                    refused.InnerException is TimeoutException || (admission != admissions[0] && refused.InnerException is RedisConnectionException),
                    $"refused for {refused.InnerException}");
            }
        }
        finally
        {
            await _server.SignalAsync(freeze: false);
        }

        Assert.True((await RedisStateStoreTests.EventuallyAsync(() => store.AdmitAsync(Fresh([])).AsTask())).NonceFresh);
    }
}
