namespace Gateway.Proxy.Security;

/// <summary>
/// An agent's runtime secrets as loaded from the bundle: the current one and, during a rotation, the next one and the
/// instant after which only the next one is accepted (null: until the bundle changes).
/// </summary>
public sealed record AgentSecrets(AgentSecret Current, AgentSecret? Next, DateTimeOffset? RotationEnds)
{
    /// <summary>
    /// The secrets accepted at <paramref name="now"/>: both during the window; after <see cref="RotationEnds"/>, the next
    /// one alone, as the current one in effect.
    /// </summary>
    public (AgentSecret Current, AgentSecret? Next) AcceptedAt(DateTimeOffset now) => RotationWindow.AcceptedAt(Current, Next, RotationEnds, now);
}
