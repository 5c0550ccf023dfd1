namespace Gateway.Policy;

/// <summary>One tool an agent is permitted to use.</summary>
public sealed record ToolPermission
{
    /// <summary>Catalog name.</summary>
    public required string Tool { get; init; }

    /// <summary>Permitted action types; when the bundle omits them, the catalog entry's action type.</summary>
    public required IReadOnlyList<ActionType> ActionTypes { get; init; }

    /// <summary>Audit logging enabled for this permission (default true).</summary>
    public bool AuditLogging { get; init; } = true;

    /// <summary>Every use needs a named human's approval.</summary>
    public bool HumanApprovalRequired { get; init; }
}
