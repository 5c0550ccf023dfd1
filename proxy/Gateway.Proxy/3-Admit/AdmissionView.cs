using System.Collections.Concurrent;
using Gateway.Proxy.Authenticate;

namespace Gateway.Proxy.Admit;

/// <summary>
/// What this replica last saw of an agent's kill switches and token generations, from each admission the store
/// answered (<see cref="AdmissionGate.SettleAsync"/>), so that an admission can be decided on before its store call and
/// made with the decision record (<see cref="AdmissionGate.Provisional"/>): the store call reads both again, and a request
/// the view misjudged is refused after its decision (the Record stage). Registered agents only (a delegated child's
/// switches name its delegation). Bounded: past <see cref="MaxEntries"/> the memory starts again empty.
/// </summary>
internal sealed class AdmissionView
{
    /// <summary>The most agents remembered.</summary>
    public const int MaxEntries = 4096;

    private readonly ConcurrentDictionary<(string Tenant, string Agent, string? Fingerprint), Seen> _seen = new();

    /// <summary>Remembers what an admission of <paramref name="identity"/> read.</summary>
    public void Observe(AgentIdentity identity, uint switchesOn, IReadOnlyList<long> generations)
    {
        if (identity.Delegation is not null || generations.Count < 2)
        {
            return;
        }

        if (_seen.Count >= MaxEntries)
        {
            _seen.Clear();
        }

        _seen[(identity.Tenant, identity.Agent, identity.SecretFingerprint)] = new Seen(switchesOn, generations[0], generations[1]);
    }

    /// <summary>What was last seen of <paramref name="identity"/>; null when nothing was.</summary>
    public Seen? Of(AgentIdentity identity) =>
        identity.Delegation is null && _seen.TryGetValue((identity.Tenant, identity.Agent, identity.SecretFingerprint), out var seen) ? seen : null;

    /// <summary>An agent's switches (bit <c>i</c>: its <c>i</c>-th switch key on) and token generations as last read.</summary>
    public sealed record Seen(uint SwitchesOn, long TenantGeneration, long AgentGeneration);
}
