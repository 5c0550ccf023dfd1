using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Describe;

namespace Gateway.Proxy.Decide;

/// <summary>
/// Decide's record for a <see cref="LocalAction"/>: allowed, or the refusal (with the entry it is recorded as). Made
/// without reading or writing anything: a suspended agent is refused where its kind says so, then what the describer found.
/// </summary>
/// <param name="Refused">The refusal; null when allowed.</param>
internal sealed record LocalDecision(LocalRefusal? Refused)
{
    private static readonly LocalDecision AllowedDecision = new((LocalRefusal?)null);

    /// <summary>Whether the destination carries it out.</summary>
    public bool Allowed => Refused is null;

    /// <summary>The decision on <paramref name="action"/> for the admitted agent <paramref name="admitted"/>.</summary>
    public static LocalDecision Of(LocalAction action, AgentIdentity admitted)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(admitted);
        return admitted.Suspended && action.WhenSuspended is { } suspended ? new LocalDecision(suspended)
            : action.Refused is { } refused ? new LocalDecision(refused)
            : AllowedDecision;
    }
}
