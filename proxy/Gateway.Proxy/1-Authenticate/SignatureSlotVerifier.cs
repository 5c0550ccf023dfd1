using Gateway.Connectors.Signing;
using Gateway.Proxy.Security;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// Verifies a MAC against each secret the agent may sign with (the current one, then during a rotation the next one).
/// Every accepted secret is tried, each MAC compared in constant time, whatever an earlier one gave: the time taken says
/// how many secrets the agent has, never which one matched.
/// </summary>
internal static class SignatureSlotVerifier
{
    /// <summary>
    /// The slot and secret that verified a request's <paramref name="signature"/> over its canonical request's UTF-8 bytes
    /// (<see cref="CanonicalRequest.RentUtf8"/>); null when none did.
    /// </summary>
    public static (SecretSlot Slot, AgentSecret Secret)? Verify(AgentLookup lookup, ArraySegment<byte> canonicalUtf8, string signature) =>
        Match(lookup, (canonicalUtf8, signature), static (secret, s) => CanonicalRequest.Verify(secret.Key, s.canonicalUtf8.AsSpan(), s.signature));

    /// <summary>The slot and secret for which <paramref name="verifies"/> holds; null when it holds for none.</summary>
    public static (SecretSlot Slot, AgentSecret Secret)? Match<TState>(AgentLookup lookup, TState state, Func<AgentSecret, TState, bool> verifies)
    {
        ArgumentNullException.ThrowIfNull(verifies);
        var current = lookup.Secret is { } secret && verifies(secret, state);
        var next = lookup.Next is { } nextSecret && verifies(nextSecret, state);
        return current ? (SecretSlot.Current, lookup.Secret!) : next ? (SecretSlot.Next, lookup.Next!) : null;
    }
}
