namespace Gateway.Policy;

/// <summary>
/// What a parent asks for its child (<c>POST /v1/delegations</c>), already well-formed; anything left out defaults to the
/// parent's own (action types, ATF level, ceiling) or to the longest the tenant and the parent allow (time to live).
/// </summary>
public sealed record DelegationGrantRequest
{
    public required string Name { get; init; }

    /// <summary>The tools asked for; per tool the action types asked for (null: the parent's on that tool).</summary>
    public required IReadOnlyList<DelegationToolRequest> Tools { get; init; }

    public AtfLevel? AtfLevel { get; init; }

    public DataClass? DataClassCeiling { get; init; }

    public TimeSpan? Ttl { get; init; }

    public string? RunId { get; init; }

    public bool MayDelegate { get; init; }
}

/// <summary>One tool asked for, with the action types asked for on it (null: the parent's).</summary>
public sealed record DelegationToolRequest(string Tool, IReadOnlyList<ActionType>? ActionTypes);
