using System.Net;
using System.Text;
using StackExchange.Redis;

namespace Gateway.Store;

/// <summary>
/// How <see cref="RedisStateStore"/> reaches Redis. Bound from <c>Gateway:Store:Redis</c>;
/// <see cref="Validate"/> lists every problem at once.
/// </summary>
public sealed record RedisStoreOptions
{
    /// <summary><c>host:port</c>; IPv6 addresses in brackets, <c>[::1]:6379</c>.</summary>
    public string Endpoint { get; init; } = "127.0.0.1:6379";

    /// <summary>ACL user name for <c>AUTH user password</c>; null authenticates with the password only.</summary>
    public string? User { get; init; }

    /// <summary>The password; null skips <c>AUTH</c>. Never logged or printed.</summary>
    public string? Password { get; init; }

    public bool UseTls { get; init; }

    /// <summary>The name the server certificate must carry; defaults to the endpoint's host.</summary>
    public string? TlsServerName { get; init; }

    /// <summary>PEM file of the CA (or self-signed certificate) to trust instead of the system store.</summary>
    public string? CaCertificatePath { get; init; }

    /// <summary>Accept any server certificate. For tests only; never in production.</summary>
    public bool AllowUntrustedCertificate { get; init; }

    /// <summary>The logical database selected after connecting.</summary>
    public int Database { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one call waits for its reply before failing as unavailable.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMinBackoff { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan ReconnectMaxBackoff { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The most admissions <see cref="MaxAdmissionBatch"/> may be set to.</summary>
    public const int MaxAdmissionBatchLimit = 1024;

    /// <summary>
    /// Admissions that arrive while one admission call is in flight share the next call (one script
    /// run for the whole batch, each request still decided on its own, in arrival order). False sends
    /// one script run per request.
    /// </summary>
    public bool BatchAdmissions { get; init; } = true;

    /// <summary>
    /// A token-budget reservation asked with an admission (<see cref="AdmissionRequest.Budget"/>) is made in
    /// the admission's own script run, and settles that arrive while one settle call is in flight share the
    /// next call. False makes the reservation with a call of its own after the admission, and one settle
    /// call per request (the outcomes are the same; only the number of round trips differs).
    /// </summary>
    public bool BatchBudgets { get; init; } = true;

    /// <summary>The most admissions (or settles) one batched call carries (1 to <see cref="MaxAdmissionBatchLimit"/>).</summary>
    public int MaxAdmissionBatch { get; init; } = 64;

    /// <summary>
    /// The StackExchange.Redis configuration: no connect abort, no backlog (a call while disconnected
    /// fails at once), command timeouts from <see cref="CommandTimeout"/> and exponential reconnect backoff.
    /// </summary>
    internal ConfigurationOptions ToConfiguration()
    {
        var endpoint = RedisEndpoint.TryParse(Endpoint, out var parsed)
            ? parsed.Value
            : throw new InvalidOperationException($"Redis endpoint '{Endpoint}' is not host:port.");
        var configuration = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            BacklogPolicy = BacklogPolicy.FailFast,
            ConnectRetry = 1,
            ConnectTimeout = Milliseconds(ConnectTimeout),
            AsyncTimeout = Milliseconds(CommandTimeout),
            SyncTimeout = Milliseconds(CommandTimeout),
            ReconnectRetryPolicy = new ExponentialRetry(Milliseconds(ReconnectMinBackoff), Milliseconds(ReconnectMaxBackoff)),
            DefaultDatabase = Database,
            User = string.IsNullOrEmpty(User) ? null : User,
            Password = string.IsNullOrEmpty(Password) ? null : Password,
            Ssl = UseTls,
            ClientName = "gateway",
            IncludeDetailInExceptions = true,
        };
        configuration.EndPoints.Add(IPAddress.TryParse(endpoint.Host, out var address)
            ? new IPEndPoint(address, endpoint.Port)
            : new DnsEndPoint(endpoint.Host, endpoint.Port));
        if (UseTls)
        {
            configuration.SslHost = string.IsNullOrEmpty(TlsServerName) ? endpoint.Host : TlsServerName;
            if (AllowUntrustedCertificate)
            {
                configuration.CertificateValidation += static (_, _, _, _) => true;
            }
            else if (!string.IsNullOrEmpty(CaCertificatePath))
            {
                configuration.TrustIssuer(CaCertificatePath);
            }
        }

        return configuration;
    }

    /// <summary>Every problem with these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!RedisEndpoint.TryParse(Endpoint, out _))
        {
            errors.Add($"Endpoint '{Endpoint}' must be host:port with a port from 1 to 65535.");
        }

        if (!string.IsNullOrEmpty(User) && string.IsNullOrEmpty(Password))
        {
            errors.Add("User is set but Password is not; AUTH needs both.");
        }

        if (Database < 0)
        {
            errors.Add($"Database must be 0 or more (was {Database}).");
        }

        RequirePositive(errors, nameof(ConnectTimeout), ConnectTimeout);
        RequirePositive(errors, nameof(CommandTimeout), CommandTimeout);
        RequirePositive(errors, nameof(ReconnectMinBackoff), ReconnectMinBackoff);
        if (ReconnectMaxBackoff < ReconnectMinBackoff)
        {
            errors.Add($"ReconnectMaxBackoff ({ReconnectMaxBackoff}) must not be below ReconnectMinBackoff ({ReconnectMinBackoff}).");
        }

        if (MaxAdmissionBatch is < 1 or > MaxAdmissionBatchLimit)
        {
            errors.Add($"MaxAdmissionBatch must be from 1 to {MaxAdmissionBatchLimit} (was {MaxAdmissionBatch}).");
        }

        if (!UseTls && (!string.IsNullOrEmpty(TlsServerName) || !string.IsNullOrEmpty(CaCertificatePath) || AllowUntrustedCertificate))
        {
            errors.Add("TlsServerName, CaCertificatePath and AllowUntrustedCertificate need UseTls = true.");
        }

        if (!string.IsNullOrEmpty(CaCertificatePath) && !File.Exists(CaCertificatePath))
        {
            errors.Add($"CaCertificatePath '{CaCertificatePath}' does not exist.");
        }

        if (AllowUntrustedCertificate && !string.IsNullOrEmpty(CaCertificatePath))
        {
            errors.Add("Set either CaCertificatePath or AllowUntrustedCertificate, not both.");
        }

        return errors;
    }

    private static int Milliseconds(TimeSpan value) => (int)Math.Clamp(Math.Ceiling(value.TotalMilliseconds), 1, int.MaxValue);

    private static void RequirePositive(List<string> errors, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{name} must be positive (was {value}).");
        }
    }

    // Records print every property; the password must never reach a log.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Endpoint = ").Append(Endpoint)
            .Append(", User = ").Append(User)
            .Append(", Password = ").Append(Password is null ? "(none)" : "***")
            .Append(", UseTls = ").Append(UseTls)
            .Append(", TlsServerName = ").Append(TlsServerName)
            .Append(", CaCertificatePath = ").Append(CaCertificatePath)
            .Append(", AllowUntrustedCertificate = ").Append(AllowUntrustedCertificate)
            .Append(", Database = ").Append(Database)
            .Append(", ConnectTimeout = ").Append(ConnectTimeout)
            .Append(", CommandTimeout = ").Append(CommandTimeout)
            .Append(", ReconnectMinBackoff = ").Append(ReconnectMinBackoff)
            .Append(", ReconnectMaxBackoff = ").Append(ReconnectMaxBackoff)
            .Append(", BatchAdmissions = ").Append(BatchAdmissions)
            .Append(", BatchBudgets = ").Append(BatchBudgets)
            .Append(", MaxAdmissionBatch = ").Append(MaxAdmissionBatch);
        return true;
    }
}
