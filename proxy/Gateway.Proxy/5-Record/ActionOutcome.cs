using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Record;

/// <summary>What happened when a decided action was carried out: what the audit journal records after the decision.</summary>
internal sealed record ActionOutcome
{
    /// <summary>True only when the request reached the upstream.</summary>
    public required bool Invoked { get; init; }

    public int? UpstreamStatus { get; init; }

    /// <summary>
    /// The status the client receives when the action ran; null means 200 (the native routes wrap the
    /// upstream's answer). The transparent route passes the upstream's own status (a 404 stays a 404).
    /// </summary>
    public int? ClientStatus { get; init; }

    /// <summary>Counts of redacted values by kind, never the values.</summary>
    public IReadOnlyDictionary<string, int>? Redactions { get; init; }

    public TimeSpan Latency { get; init; }

    /// <summary>Set when the action was refused after its decision (budget, payload limit, degrade refusal, upstream failure).</summary>
    public Refusal? Refusal { get; init; }
}
