namespace Gateway.Audit;

/// <summary>
/// The end of a tenant's chain: how many records it holds and the last record's hash; read from the sink, also the last
/// stored record's time (<see cref="LastTime"/>).
/// </summary>
public readonly record struct AuditTip(long Length, string LastHash)
{
    public static AuditTip Genesis { get; } = new(0, AuditCanonicalJson.GenesisHash);

    /// <summary>
    /// The time of the chain's last stored record, where the sink read it (null: none, or not read). The writer seals no
    /// record earlier than it, so that times never go back along a chain across a restart on a clock that stepped back.
    /// </summary>
    public DateTimeOffset? LastTime { get; init; }
}
