using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>
/// What is evaluated (decision-model §1). Also what audit records and decision tokens describe.
/// </summary>
public sealed record ActionDescriptor
{
    public required string Tenant { get; init; }

    public required string Workspace { get; init; }

    public required string Agent { get; init; }

    /// <summary>Catalog name.</summary>
    public required string Tool { get; init; }

    public required ActionType ActionType { get; init; }

    public string? TargetSystem { get; init; }

    /// <summary>The catalog's classes widened by the request's.</summary>
    public required DataClassSet DataClasses { get; init; }

    public required DeploymentEnvironment Environment { get; init; }

    /// <summary>The catalog's external flag.</summary>
    public required bool External { get; init; }

    public required ActionImpact Impact { get; init; }

    /// <summary>Lowercase hex SHA-256 of the canonical JSON of this descriptor plus the request's args and targets.</summary>
    public required string IntentDigest { get; init; }

    /// <summary>The person the agent acts for (<see cref="AuthenticatedCaller.Person"/>); null when none.</summary>
    [JsonIgnore]
    public ActingPerson? Person { get; init; }

    /// <summary>The catalog entry the tool resolved to.</summary>
    [JsonIgnore]
    public required CatalogEntry Entry { get; init; }

    /// <summary>
    /// For a delegated child (<see cref="Agent"/> is its id): the scope its grants allow, evaluated against its registered
    /// agent's entry (<see cref="DelegationScope.Agent"/>); null for a registered agent.
    /// </summary>
    [JsonIgnore]
    public DelegationScope? Delegation { get; init; }

    /// <summary>The registered agent whose entry governs the action: the caller itself, or a delegated child's agent.</summary>
    [JsonIgnore]
    public string RegisteredAgent => Delegation?.Agent ?? Agent;

    /// <summary>An external action: the external flag, or action type <c>external</c>.</summary>
    public bool IsExternalAction => External || ActionType == ActionType.External;
}
