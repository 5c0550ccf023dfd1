using Gateway.Connectors.Signing;
using Gateway.Proxy.Security;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// Verifies a request's signature against each secret the agent may sign with (the current one, then during a
/// rotation the next one). Every accepted secret is tried, each MAC compared in constant time, whatever an earlier one
/// gave: the time taken says how many secrets the agent has, never which one matched.
/// </summary>
internal static class SignatureSlotVerifier
{
    /// <summary>The slot and secret that verified <paramref name="signature"/>; null when none did.</summary>
    public static (SecretSlot Slot, AgentSecret Secret)? Verify(AgentLookup lookup, string canonical, string signature)
    {
        var current = lookup.Secret is { } secret && CanonicalRequest.Verify(secret.Key, canonical, signature);
        var next = lookup.Next is { } nextSecret && CanonicalRequest.Verify(nextSecret.Key, canonical, signature);
        return current ? (SecretSlot.Current, lookup.Secret!) : next ? (SecretSlot.Next, lookup.Next!) : null;
    }
}
