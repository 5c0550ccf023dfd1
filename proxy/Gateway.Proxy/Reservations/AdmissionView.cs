using System.Collections.Concurrent;
using Gateway.Store;

namespace Gateway.Proxy.Reservations;

/// <summary>
/// What this replica last saw of an agent's kill switches and token generations, from each admission the store answered,
/// so that an admission can be decided on before its store call and made with the decision record: the store call reads
/// both again, and a request the view misjudged is refused after its decision. Registered agents only (a delegated child's
/// switches name its delegation), by tenant, agent and signing secret. An agent a rate limit refused is not decided on
/// the view until the window it named resets (its requests would only be refused after their decision records). Bounded:
/// past <see cref="MaxEntries"/> the memory starts again empty.
/// </summary>
internal sealed class AdmissionView(TimeProvider time)
{
    /// <summary>The most agents remembered.</summary>
    public const int MaxEntries = 4096;

    private readonly ConcurrentDictionary<(string Tenant, string Agent, string? Fingerprint), Seen> _seen = new();

    /// <summary>Remembers what an admission of the agent <paramref name="key"/> names read (nothing for a replay, or without its token step).</summary>
    public void Observe((string Tenant, string Agent, string? Fingerprint)? key, AdmissionOutcome outcome)
    {
        if (key is not { } agent || !outcome.NonceFresh)
        {
            return;
        }

        var known = _seen.TryGetValue(agent, out var last);
        Seen seen;
        if (!outcome.RateLimit.Admitted)
        {
            // Nothing else was read: the switches and generations stay as last seen, and the view waits for the window.
            if (!known)
            {
                return;
            }

            seen = last! with { LimitedUntil = time.GetUtcNow() + outcome.RateLimit.RetryAfter };
        }
        else if (outcome.Token is { Generations: { Count: >= 2 } generations })
        {
            if (known && last!.SwitchesOn == outcome.SwitchesOn && last.TenantGeneration == generations[0] && last.AgentGeneration == generations[1]
                && last.LimitedUntil == DateTimeOffset.MinValue)
            {
                // What almost every request reads: nothing to write (no lock taken, nothing allocated on the hot path).
                return;
            }

            seen = new Seen(outcome.SwitchesOn, generations[0], generations[1], DateTimeOffset.MinValue);
        }
        else if (known && outcome.SwitchesOn != 0 && last!.SwitchesOn != outcome.SwitchesOn)
        {
            // No token recorded (a switch that stops the agent reserves and records nothing): the switches read are kept,
            // so that the agent's next requests ask the store before they are decided.
            seen = last with { SwitchesOn = outcome.SwitchesOn };
        }
        else
        {
            return;
        }

        // Counting takes every lock of the dictionary: only for an agent not seen before.
        if (!known && _seen.Count >= MaxEntries)
        {
            _seen.Clear();
        }

        _seen[agent] = seen;
    }

    /// <summary>
    /// Forgets what was seen of the agent (of every agent of the tenant when <paramref name="agent"/> is null): a switch
    /// flipped through this process (<c>AgentStatusService.Switched</c>) also moves its token generations, so its next
    /// request asks the store before it is decided. Other replicas' views learn it from their next store call.
    /// </summary>
    public void Forget(string tenant, string? agent)
    {
        foreach (var key in _seen.Keys)
        {
            if (key.Tenant == tenant && (agent is null || key.Agent == agent))
            {
                _seen.TryRemove(key, out _);
            }
        }
    }

    /// <summary>What was last seen of the agent <paramref name="key"/> names; null when nothing was, or a rate limit refused it and its window has not reset.</summary>
    public Seen? Of((string Tenant, string Agent, string? Fingerprint)? key) =>
        key is { } agent && _seen.TryGetValue(agent, out var seen) && seen.LimitedUntil <= time.GetUtcNow() ? seen : null;

    /// <summary>An agent's switches (bit <c>i</c>: its <c>i</c>-th switch key on) and token generations as last read, and until when a rate limit refuses it.</summary>
    public sealed record Seen(uint SwitchesOn, long TenantGeneration, long AgentGeneration, DateTimeOffset LimitedUntil);
}
