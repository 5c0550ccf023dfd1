using System.Globalization;

namespace Gateway.Audit;

/// <summary>
/// One hash chain: a tenant's records written by one chain of one replica. Replicas never append to each other's
/// chains, so they never contend; <c>audit verify</c> walks every partition of the tenant. A replica writes
/// <c>Gateway:Audit:ChainsPerReplica</c> chains per tenant side by side: the first is named by the replica id alone (as
/// every chain was before there were several), the others by the replica id and <c>.</c> and their number
/// (<see cref="ChainOf"/>: <c>gw-1.3</c>), a name no replica id can take.
/// </summary>
public readonly record struct AuditPartition(string Tenant, string Replica)
{
    /// <summary>The most chains per replica (chain numbers 0 to <see cref="MaxChains"/> - 1).</summary>
    public const int MaxChains = Gateway.Store.ReplicaShards.Max;

    /// <summary>The separator of a chain's number in its name (<see cref="ChainOf"/>).</summary>
    public const char ChainSeparator = '.';

    /// <summary>
    /// Chain names (the <see cref="Replica"/> of a partition): a replica id (<see cref="IsValidReplicaId"/>), or one
    /// followed by <c>.</c> and a chain number from 1 to <see cref="MaxChains"/> - 1 without leading zeros.
    /// </summary>
    public static bool IsValidReplica(string? replica)
    {
        if (replica is null)
        {
            return false;
        }

        var separator = replica.IndexOf(ChainSeparator, StringComparison.Ordinal);
        if (separator < 0)
        {
            return IsValidReplicaId(replica);
        }

        var number = replica.AsSpan(separator + 1);
        return IsValidReplicaId(replica[..separator])
            && number is { Length: > 0 and <= 2 }
            && number[0] != '0'
            && int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var chain)
            && chain < MaxChains;
    }

    /// <summary>Replica ids: lowercase letters, digits and <c>-</c>, 1 to 63, starting with a letter or digit.</summary>
    public static bool IsValidReplicaId(string? replica) =>
        replica is { Length: > 0 and <= 63 }
        && replica[0] != '-'
        && replica.All(static c => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c) || c == '-');

    /// <summary>The name of chain <paramref name="chain"/> (0 to <see cref="MaxChains"/> - 1) of <paramref name="replica"/>: the replica id itself for chain 0.</summary>
    public static string ChainOf(string replica, int chain)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chain);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(chain, MaxChains);
        return chain == 0 ? replica : string.Create(CultureInfo.InvariantCulture, $"{replica}{ChainSeparator}{chain}");
    }

    /// <summary>A replica id derived from the host name (a pod name in Kubernetes), for when none is configured.</summary>
    public static string DefaultReplica()
    {
        var name = new string([.. Environment.MachineName.ToLowerInvariant().Select(static c => char.IsAsciiLetterOrDigit(c) ? c : '-')]).Trim('-');
        if (name.Length > 63)
        {
            name = name[..63].TrimEnd('-');
        }

        return IsValidReplicaId(name) ? name : "replica";
    }

    public override string ToString() => $"{Tenant}/{Replica}";
}
