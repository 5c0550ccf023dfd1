using System.Data.Common;
using System.Net.Sockets;

namespace Gateway.Testing;

/// <summary>Polls a condition until it holds: a liveness bound for what a test waits on, not a speed requirement.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every 50 ms until it is true; throws <see cref="TimeoutException"/> with <paramref name="failure"/> after <paramref name="within"/>.</summary>
    public static Task HoldsAsync(Func<Task<bool>> condition, TimeSpan within, string failure) => HoldsAsync(condition, within, () => failure);

    /// <summary>As above, the failure described when it happens (the state it ended in, say).</summary>
    public static Task HoldsAsync(Func<Task<bool>> condition, TimeSpan within, Func<string> failure)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(failure);
        return ReturnsAsync(condition, static held => held, within, _ => failure());
    }

    /// <summary>Polls a condition read from memory (a counter, a collection) as above.</summary>
    public static Task HoldsAsync(Func<bool> condition, TimeSpan within, string failure) => HoldsAsync(condition, within, () => failure);

    /// <summary>As above, the failure described when it happens.</summary>
    public static Task HoldsAsync(Func<bool> condition, TimeSpan within, Func<string> failure)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return HoldsAsync(() => Task.FromResult(condition()), within, failure);
    }

    /// <summary>
    /// Polls <paramref name="read"/> every 50 ms until <paramref name="holds"/> accepts what it read, and returns that; throws
    /// <see cref="TimeoutException"/> with <paramref name="failure"/> of the last value read after <paramref name="within"/>.
    /// A read that throws an error a starting or failing-over server answers with (or one <paramref name="transient"/> names)
    /// is read again; any other exception, an assertion's included, ends the wait at once.
    /// </summary>
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> read, Func<T, bool> holds, TimeSpan within, Func<T?, string> failure, Func<Exception, bool>? transient = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(holds);
        ArgumentNullException.ThrowIfNull(failure);
        var deadline = TimeProvider.System.GetTimestamp() + (long)(within.TotalSeconds * TimeProvider.System.TimestampFrequency);
        T? value = default;
        Exception? last = null;
        while (true)
        {
            try
            {
                value = await read().ConfigureAwait(false);
                if (holds(value))
                {
                    return value;
                }
            }
            catch (Exception ex) when (IsTransient(ex) || transient?.Invoke(ex) == true)
            {
                last = ex;
            }

            if (TimeProvider.System.GetTimestamp() > deadline)
            {
                throw new TimeoutException(failure(value) + (last is null ? string.Empty : $" (last error: {last.Message})"), last);
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>What a server that is still starting, restarting or failing over answers with: ask again.</summary>
    private static bool IsTransient(Exception ex) =>
        ex is InvalidOperationException or TimeoutException or HttpRequestException or SocketException or DbException or TaskCanceledException;
}
