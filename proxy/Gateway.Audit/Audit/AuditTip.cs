namespace Gateway.Audit;

/// <summary>The end of a tenant's chain: how many records it holds and the last record's hash.</summary>
public readonly record struct AuditTip(long Length, string LastHash)
{
    public static AuditTip Genesis { get; } = new(0, AuditCanonicalJson.GenesisHash);
}
