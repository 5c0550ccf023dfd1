namespace Gateway.Proxy.Respond;

/// <summary>What happened when a governed action ran its connector.</summary>
internal sealed record InvocationResult
{
    /// <summary>True only when the connector was called.</summary>
    public required bool Invoked { get; init; }

    /// <summary>The connector's response as JSON (already redacted where required).</summary>
    public ReadOnlyMemory<byte> ResultJson { get; init; }

    public int? UpstreamStatus { get; init; }

    /// <summary>
    /// The status the client receives when the action ran; null means 200 (the native routes wrap the
    /// upstream's answer). The transparent route passes the upstream's own status (a 404 stays a 404).
    /// </summary>
    public int? ClientStatus { get; init; }

    /// <summary>Counts of redacted values by kind, never the values.</summary>
    public IReadOnlyDictionary<string, int>? Redactions { get; init; }

    public TimeSpan Latency { get; init; }

    /// <summary>Set when the action was refused at execution (budget, payload limit, degrade refusal, upstream failure).</summary>
    public InvocationRefusal? Refusal { get; init; }
}

/// <summary>A refusal at execution time, as a problem+json status and stable code.</summary>
internal sealed record InvocationRefusal(int Status, string Code, string Detail, TimeSpan? RetryAfter = null);
