namespace Gateway.Policy;

/// <summary>
/// An approval gate. Every match list that is null matches everything; data classes match when the
/// action's classes intersect the gate's.
/// </summary>
public sealed record ApprovalGate
{
    public required string Id { get; init; }

    public bool Active { get; init; } = true;

    public IReadOnlyList<ActionType>? ActionTypes { get; init; }

    public IReadOnlyList<string>? Tools { get; init; }

    public IReadOnlyList<string>? TargetSystems { get; init; }

    public DataClassSet? DataClasses { get; init; }

    public IReadOnlyList<DeploymentEnvironment>? Environments { get; init; }

    /// <summary>Approver ids (people in the tenant's approver list).</summary>
    public required IReadOnlyList<string> Approvers { get; init; }

    /// <summary>Distinct approvals needed (1 or more, at most <see cref="Approvers"/>.Count).</summary>
    public int ApprovalsRequired { get; init; } = 1;

    /// <summary>How long a granted warrant stays valid when nothing names a shorter time.</summary>
    public static readonly TimeSpan DefaultWarrantTtl = TimeSpan.FromMinutes(15);

    /// <summary>How long a granted warrant stays valid.</summary>
    public TimeSpan WarrantTtl { get; init; } = DefaultWarrantTtl;
}
