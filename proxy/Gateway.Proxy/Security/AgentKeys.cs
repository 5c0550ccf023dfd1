namespace Gateway.Proxy.Security;

/// <summary>
/// An agent's public keys as loaded from the bundle: the current one and, during a rotation, the next one and the
/// instant after which only the next one is accepted (null: until the bundle changes). The key counterpart of <see cref="AgentSecrets"/>.
/// </summary>
public sealed record AgentKeys(AgentKey Current, AgentKey? Next, DateTimeOffset? RotationEnds)
{
    /// <summary>The keys accepted at <paramref name="now"/>, as <see cref="AgentSecrets.AcceptedAt"/> says for secrets.</summary>
    public (AgentKey Current, AgentKey? Next) AcceptedAt(DateTimeOffset now) => RotationWindow.AcceptedAt(Current, Next, RotationEnds, now);
}
