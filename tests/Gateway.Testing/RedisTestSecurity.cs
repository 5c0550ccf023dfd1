using System.Globalization;

namespace Gateway.Testing;

/// <summary>
/// What a test Redis deployment (<see cref="RedisCluster"/>, <see cref="RedisSentinelSet"/>) protects itself with: TLS
/// on a port of its own next to the plain one (which the tests' own redis-cli keeps using), and an ACL user for the
/// gateway. Replication, the cluster bus and the sentinels' links run over TLS too when it is on.
/// </summary>
public sealed record RedisTestSecurity
{
    /// <summary>The certificate every server presents (and trusts: it is its own CA); null for plain TCP only.</summary>
    public SelfSignedTlsFiles? Tls { get; init; }

    /// <summary>An ACL user created on every data server; null for the default user only.</summary>
    public string? User { get; init; }

    public string? UserPassword { get; init; }

    /// <summary>The user's ACL rules (keys, channels, commands).</summary>
    public string UserRules { get; init; } = "~gw:* &* +@all";

    /// <summary>The sentinels' own password (<c>requirepass</c> on each sentinel); null for none.</summary>
    public string? SentinelPassword { get; init; }

    /// <summary>The arguments a data server gets: a TLS port (when on) and the ACL user (when set).</summary>
    internal string DataServerArguments(int? tlsPort, bool cluster) =>
        string.Join(' ', [TlsArguments(tlsPort, cluster), UserArgument()]).Trim();

    /// <summary>A TLS port for a server, or null when TLS is off.</summary>
    internal int? NextTlsPort() => Tls is null ? null : FreePort.Next();

    internal string TlsArguments(int? tlsPort, bool cluster)
    {
        if (Tls is null || tlsPort is not { } port)
        {
            return string.Empty;
        }

        var arguments = string.Create(CultureInfo.InvariantCulture,
            $"--tls-port {port} --tls-cert-file {Tls.CertificatePath} --tls-key-file {Tls.KeyPath} --tls-ca-cert-file {Tls.CertificatePath} --tls-auth-clients no --tls-replication yes");
        return cluster ? arguments + " --tls-cluster yes" : arguments;
    }

    // One argument per word: redis-server joins the words after --user into the config line "user NAME RULES...".
    private string UserArgument() => User is null ? string.Empty : $"--user {User} on >{UserPassword} {UserRules}";
}
