namespace Gateway.Store;

/// <summary>
/// A shared store whose servers keep time of their own: what a replica's clock is compared with, since replicas that share
/// nonces must agree on the time within the nonce lifetime's margin, and nothing else compares them.
/// </summary>
public interface IStoreClock
{
    /// <summary>
    /// Each server's clock that holds the store's state (each primary), read now; throws
    /// <see cref="StateStoreUnavailableException"/> when one cannot be read.
    /// </summary>
    ValueTask<IReadOnlyList<DateTimeOffset>> ReadClocksAsync(CancellationToken cancellationToken = default);
}
