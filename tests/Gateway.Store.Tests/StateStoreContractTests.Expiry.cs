using System.Diagnostics;
using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary>
/// How the contract lets a key's expiry pass: on a clock the test owns (the embedded store's), at once; on a server's own
/// clock (Redis), by awaiting what the expiry must bring about, never by a fixed wait.
/// </summary>
public abstract partial class StateStoreContractTests
{
    private static readonly TimeSpan ShortExpiry = TimeSpan.FromMilliseconds(1500);
    private static readonly TimeSpan PastShortExpiry = TimeSpan.FromMilliseconds(2000);

    /// <summary>How long a server's clock may take past <see cref="ShortExpiry"/> to expire a key (Redis expires lazily on read and in its cycle).</summary>
    private static readonly TimeSpan ExpiryDeadline = TimeSpan.FromSeconds(15);

    /// <summary>The store's clock where the test owns it; null where the store keeps time on a server's own clock.</summary>
    protected virtual ManualTimeProvider? Clock => null;

    /// <summary>
    /// Runs a scenario around <see cref="ShortExpiry"/>: <paramref name="before"/> (it sets keys that live that long),
    /// then the expiry passes until <paramref name="expired"/> holds, then <paramref name="after"/>. On a server's clock a
    /// stalled machine can let the keys expire while <paramref name="before"/> still runs, which says nothing of the store:
    /// when it fails only after <see cref="ShortExpiry"/> has gone by, it runs again on fresh keys (three tries at most).
    /// </summary>
    private async Task AcrossShortExpiryAsync(Func<Task> before, Func<Task<bool>> expired, Func<Task> after)
    {
        for (var attempt = 1; ; attempt++)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await before();
                break;
            }
            catch (Exception) when (Clock is null && attempt < 3 && Stopwatch.GetElapsedTime(started) >= ShortExpiry)
            {
                _prefix = NewPrefix();
            }
        }

        if (Clock is { } clock)
        {
            clock.Advance(PastShortExpiry);
            Assert.True(await expired(), "not expired once its lifetime had passed on the store's clock");
        }
        else
        {
            await Eventually.HoldsAsync(expired, ShortExpiry + ExpiryDeadline, "not expired on the server's clock");
        }

        await after();
    }
}
