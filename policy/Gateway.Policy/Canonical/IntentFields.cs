using System.Text.Json;

namespace Gateway.Policy.Canonical;

/// <summary>The inputs of an <see cref="IntentDigest"/>.</summary>
public readonly record struct IntentFields(
    string Tenant,
    string Workspace,
    string Agent,
    string Tool,
    ActionType ActionType,
    string? TargetSystem,
    DataClassSet DataClasses,
    DeploymentEnvironment Environment,
    bool External,
    ActionImpact Impact,
    JsonElement Args,
    IReadOnlyList<ActionTarget>? Targets,
    ActingPerson? Person = null);
