using System.Collections.Concurrent;

namespace Gateway.Store.Tests;

/// <summary>
/// Admissions of one tenant with fresh nonces, sent by a few workers in a loop until stopped, each outcome kept with
/// when it ended: the nonces the store acknowledged as fresh, the calls it refused as unavailable (fail closed) and
/// anything else (which a test asserts never happens).
/// </summary>
internal sealed class AdmissionTraffic : IAsyncDisposable
{
    private readonly IStateStore _store;
    private readonly string _tenant;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private int _disposed;

    public AdmissionTraffic(IStateStore store, string tenant, int workers = 4)
    {
        _store = store;
        _tenant = tenant;
        _workers = [.. Enumerable.Range(0, workers).Select(_ => Task.Run(RunAsync))];
    }

    /// <summary>Nonces admitted as fresh, with the timestamp their call ended.</summary>
    public ConcurrentQueue<(string Nonce, long At)> Acknowledged { get; } = new();

    /// <summary>Calls that failed closed, with the timestamp they ended.</summary>
    public ConcurrentQueue<(StateStoreUnavailableException Error, long At)> Refused { get; } = new();

    public ConcurrentQueue<Exception> Unexpected { get; } = new();

    /// <summary>The admission this traffic makes for <paramref name="nonce"/> (to replay one after the run).</summary>
    public static AdmissionRequest Request(string tenant, string nonce) =>
        new(StoreKeys.Nonce(tenant, "agent", nonce), "0", TimeSpan.FromMinutes(10), [StoreKeys.TenantStatus(tenant)], [new RateLimitWindow(StoreKeys.RateLimit(tenant, "agent"), 1_000_000, TimeSpan.FromMinutes(10))]);

    public int AcknowledgedAfter(long timestamp) => Acknowledged.Count(a => a.At > timestamp);

    public int RefusedAfter(long timestamp) => Refused.Count(r => r.At > timestamp);

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var nonce = Guid.NewGuid().ToString("N");
            try
            {
                var outcome = await _store.AdmitAsync(Request(_tenant, nonce));
                if (outcome.NonceFresh)
                {
                    Acknowledged.Enqueue((nonce, TimeProvider.System.GetTimestamp()));
                }
                else
                {
                    Unexpected.Enqueue(new InvalidOperationException($"A fresh nonce {nonce} was reported as a replay."));
                }
            }
            catch (StateStoreUnavailableException ex)
            {
                Refused.Enqueue((ex, TimeProvider.System.GetTimestamp()));
                await Task.Delay(10);
            }
            catch (Exception ex)
            {
                Unexpected.Enqueue(ex);
            }

            await Task.Delay(2);
        }
    }

    /// <summary>Stops the workers and waits for their last calls (again: nothing).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        _stop.Dispose();
    }
}
