namespace Gateway.Testing;

/// <summary>Polls a condition until it holds: a liveness bound for what a test waits on, not a speed requirement.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every 50 ms until it is true; throws <see cref="TimeoutException"/> with <paramref name="failure"/> after <paramref name="within"/>.</summary>
    public static Task HoldsAsync(Func<Task<bool>> condition, TimeSpan within, string failure) => HoldsAsync(condition, within, () => failure);

    /// <summary>As above, the failure described when it happens (the state it ended in, say).</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan within, Func<string> failure)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = TimeProvider.System.GetTimestamp() + (long)(within.TotalSeconds * TimeProvider.System.TimestampFrequency);
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await condition().ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
                // A server that is still starting or failing over answers with an error: ask again.
                last = ex;
            }

            if (TimeProvider.System.GetTimestamp() > deadline)
            {
                throw new TimeoutException(failure() + (last is null ? string.Empty : $" (last error: {last.Message})"), last);
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }
}
