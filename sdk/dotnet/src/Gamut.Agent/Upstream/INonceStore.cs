namespace Gamut.Agent.Upstream;

/// <summary>
/// Where a receiver remembers the nonces of the gateway's signed calls, so that a replay is refused. One receiver
/// process can use <see cref="InMemoryNonceStore"/>; replicas share one store (a Redis <c>SET NX PX</c>, a database
/// row with a unique key) so that a call replayed to another replica is refused too.
/// </summary>
public interface INonceStore
{
    /// <summary>
    /// Records the nonce for <paramref name="retention"/> atomically; true when it was not already recorded. A
    /// failure must throw (the verifier then fails closed), never answer true.
    /// </summary>
    ValueTask<bool> TryRememberAsync(string tenant, string agent, string nonce, TimeSpan retention, CancellationToken cancellationToken);
}
