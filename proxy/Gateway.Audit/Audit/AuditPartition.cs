namespace Gateway.Audit;

/// <summary>
/// One hash chain: a tenant's records written by one replica. Replicas never append to each other's
/// chains, so they never contend; <c>audit verify</c> walks every partition of the tenant.
/// </summary>
public readonly record struct AuditPartition(string Tenant, string Replica)
{
    /// <summary>Replica ids: lowercase letters, digits and <c>-</c>, 1 to 63, starting with a letter or digit.</summary>
    public static bool IsValidReplica(string? replica) =>
        replica is { Length: > 0 and <= 63 }
        && replica[0] != '-'
        && replica.All(static c => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c) || c == '-');

    /// <summary>A replica id derived from the host name (a pod name in Kubernetes), for when none is configured.</summary>
    public static string DefaultReplica()
    {
        var name = new string([.. Environment.MachineName.ToLowerInvariant().Select(static c => char.IsAsciiLetterOrDigit(c) ? c : '-')]).Trim('-');
        if (name.Length > 63)
        {
            name = name[..63].TrimEnd('-');
        }

        return IsValidReplica(name) ? name : "replica";
    }

    public override string ToString() => $"{Tenant}/{Replica}";
}
