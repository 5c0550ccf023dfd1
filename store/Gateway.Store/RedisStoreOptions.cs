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
    /// <summary>The layout of the deployment: one server, a Redis Cluster or a Sentinel-managed primary.</summary>
    public RedisTopology Topology { get; init; } = RedisTopology.Standalone;

    /// <summary>
    /// <c>host:port</c>; IPv6 addresses in brackets, <c>[::1]:6379</c>. The one endpoint when <see cref="Endpoints"/>
    /// is empty (a standalone server, or a single cluster seed or sentinel).
    /// </summary>
    public string Endpoint { get; init; } = "127.0.0.1:6379";

    /// <summary>
    /// Several <c>host:port</c> endpoints: a Redis Cluster's seed list (<see cref="RedisTopology.Cluster"/>; any
    /// reachable one is enough to discover the rest) or the sentinels (<see cref="RedisTopology.Sentinel"/>; list
    /// them all). When set, <see cref="Endpoint"/> is not used.
    /// </summary>
    public string[] Endpoints { get; init; } = [];

    /// <summary>The name the sentinels monitor the primary under (<c>sentinel monitor NAME ...</c>); Sentinel only.</summary>
    public string? ServiceName { get; init; }

    /// <summary>
    /// ACL user for the sentinels, with <see cref="SentinelPassword"/>; Sentinel only. Without a sentinel password the
    /// sentinels are asked with <see cref="User"/> and <see cref="Password"/>, as StackExchange.Redis does (so sentinels
    /// without a password suit data servers whose default user has none).
    /// </summary>
    public string? SentinelUser { get; init; }

    /// <summary>The sentinels' password (their default user's, or <see cref="SentinelUser"/>'s); Sentinel only. Never logged or printed.</summary>
    public string? SentinelPassword { get; init; }

    /// <summary>ACL user name for <c>AUTH user password</c>; null authenticates with the password only.</summary>
    public string? User { get; init; }

    /// <summary>The password; null skips <c>AUTH</c>. Never logged or printed.</summary>
    public string? Password { get; init; }

    public bool UseTls { get; init; }

    /// <summary>The name the server certificate must carry; defaults to the endpoint's host.</summary>
    public string? TlsServerName { get; init; }

    /// <summary>PEM file of the CA (or self-signed certificate) to trust instead of the system store.</summary>
    public string? CaCertificatePath { get; init; }

    /// <summary>Accept any server certificate. For tests only: refused outside Development (<c>RedisStoreOptionsValidator</c>).</summary>
    public bool AllowUntrustedCertificate { get; init; }

    /// <summary>The logical database selected after connecting (0 on a cluster, which has no other).</summary>
    public int Database { get; init; }

    /// <summary>How long a connection attempt may take (default 2 s, at most 1 minute).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one call waits for its reply before failing as unavailable (default 1 s, at most 1 minute).</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMinBackoff { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan ReconnectMaxBackoff { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The most replicas <see cref="ReplicaAcknowledgements"/> may ask for.</summary>
    public const int MaxReplicaAcknowledgements = 16;

    /// <summary>
    /// After every write, the primary must report it replicated to this many replicas (<c>WAIT n timeout</c>) before
    /// the call succeeds; when fewer acknowledge within <see cref="ReplicaAcknowledgementTimeout"/> the call fails
    /// as unavailable (the request is refused: fail closed). Redis replicates asynchronously, so without it a write
    /// acknowledged just before a primary dies (a spent nonce, a used warrant, a kill switch) can be missing on the
    /// replica promoted in its place. Null (the default) is 1 for <see cref="RedisTopology.Cluster"/> and
    /// <see cref="RedisTopology.Sentinel"/> and 0 (no wait) for <see cref="RedisTopology.Standalone"/>.
    /// </summary>
    public int? ReplicaAcknowledgements { get; init; }

    /// <summary>How long a write waits for <see cref="ReplicaAcknowledgements"/> (at most <see cref="CommandTimeout"/>).</summary>
    public TimeSpan ReplicaAcknowledgementTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Serve on a Redis that may evict keys (a <c>maxmemory</c> limit with a <c>maxmemory-policy</c> other than
    /// <c>noeviction</c>). False (the default) refuses every call on such a server as unavailable: evicting a nonce
    /// accepts a replay, evicting a window, a kill switch or a revocation mark lifts it.
    /// </summary>
    public bool AllowEviction { get; init; }

    /// <summary>The replicas every write waits for: <see cref="ReplicaAcknowledgements"/>, or the topology's default.</summary>
    public int RequiredReplicaAcknowledgements => ReplicaAcknowledgements ?? (Topology == RedisTopology.Standalone ? 0 : 1);

    /// <summary>The endpoints connected to first: <see cref="Endpoints"/> when set, else <see cref="Endpoint"/>.</summary>
    public IReadOnlyList<string> ConfiguredEndpoints => Endpoints.Length > 0 ? Endpoints : [Endpoint];

    /// <summary>What the deployment is called in logs and errors: the endpoint, the cluster's seeds or the Sentinel service.</summary>
    public string Description => Topology switch
    {
        RedisTopology.Cluster => $"Redis Cluster (seeds {string.Join(", ", ConfiguredEndpoints)})",
        RedisTopology.Sentinel => $"Redis Sentinel service '{ServiceName}' (sentinels {string.Join(", ", ConfiguredEndpoints)})",
        _ => ConfiguredEndpoints[0],
    };

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

    /// <summary>
    /// The client's connections are read and written by threads of their own (StackExchange.Redis' <c>DedicatedThreads</c>:
    /// a reader blocked on the socket and a writer woken by each flush, two threads per connection), instead of the thread
    /// pool: a reply reaches its caller with one thread-pool hop instead of three. Process-wide: read when a connection opens.
    /// </summary>
    public bool DedicatedThreads { get; init; }

    /// <summary>
    /// An audit group's one script run (the append that admits) goes on a connection of the store's own
    /// (<c>RedisScriptChannel</c>), in the order sent: the command sent from the caller's thread, the reply completing the
    /// call on the connection's one reader, one thread-pool work item per call instead of StackExchange.Redis' three. A single server without TLS and without
    /// replica acknowledgements only; elsewhere, and while the client reports Redis down, the call is StackExchange.Redis'.
    /// </summary>
    public bool DirectScriptCalls { get; init; } = true;

    /// <summary>
    /// The store's own connection (<see cref="DirectScriptCalls"/>) is read by a thread of its own, blocked in the kernel's
    /// receive, which completes each call where its reply arrived (in the thread pool when another reply is due, so that it
    /// reads on): no thread-pool work item for a call made alone. Its connection is
    /// opened and read with blocking calls only (a socket once used asynchronously is read through the runtime's event loop).
    /// </summary>
    public bool ReplyThread { get; init; }

    /// <summary>The most admissions (or settles) one batched call carries (1 to <see cref="MaxAdmissionBatchLimit"/>).</summary>
    public int MaxAdmissionBatch { get; init; } = 64;

    /// <summary>
    /// Admission (and settle) batches side by side per tenant, each request's by its nonce key (<see cref="ReplicaShards.Of"/>):
    /// 1 to <see cref="ReplicaShards.Max"/>; unset, <see cref="ReplicaShards.Default"/> (one), as the
    /// audit chains per replica.
    /// </summary>
    public int? AdmissionShards { get; init; }

    /// <summary><see cref="AdmissionShards"/>, or its default when unset.</summary>
    public int EffectiveAdmissionShards => AdmissionShards ?? ReplicaShards.Default;

    /// <summary>
    /// The StackExchange.Redis configuration: no connect abort, no backlog (a call while disconnected
    /// fails at once), command timeouts from <see cref="CommandTimeout"/> and exponential reconnect backoff.
    /// </summary>
    internal ConfigurationOptions ToConfiguration()
    {
        var endpoints = new List<RedisEndpoint>(ConfiguredEndpoints.Count);
        foreach (var text in ConfiguredEndpoints)
        {
            endpoints.Add(RedisEndpoint.TryParse(text, out var parsed)
                ? parsed.Value
                : throw new InvalidOperationException($"Redis endpoint '{text}' is not host:port."));
        }

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

            // Readiness on a cluster reads CLUSTER NODES (which slots have a primary), which StackExchange.Redis counts
            // among admin commands; what the gateway may run is the server's ACL to decide (docs/operations.md).
            AllowAdmin = Topology == RedisTopology.Cluster,
        };
        foreach (var endpoint in endpoints)
        {
            configuration.EndPoints.Add(IPAddress.TryParse(endpoint.Host, out var address)
                ? new IPEndPoint(address, endpoint.Port)
                : new DnsEndPoint(endpoint.Host, endpoint.Port));
        }

        if (Topology == RedisTopology.Sentinel)
        {
            // StackExchange.Redis asks the sentinels for the primary of the service and follows its failovers.
            configuration.ServiceName = ServiceName;
            configuration.SentinelUser = string.IsNullOrEmpty(SentinelUser) ? null : SentinelUser;
            configuration.SentinelPassword = string.IsNullOrEmpty(SentinelPassword) ? null : SentinelPassword;
        }

        if (UseTls)
        {
            configuration.SslHost = string.IsNullOrEmpty(TlsServerName) ? endpoints[0].Host : TlsServerName;
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

    /// <summary>A connection to the sentinels themselves (Sentinel only): their credentials, the same TLS settings.</summary>
    internal ConfigurationOptions ToSentinelConfiguration()
    {
        var configuration = ToConfiguration();
        configuration.ServiceName = null;
        configuration.ClientName = "gateway-sentinel-check";
        if (!string.IsNullOrEmpty(SentinelPassword))
        {
            // The sentinels' own credentials: a user of theirs, or their default user's password.
            configuration.User = string.IsNullOrEmpty(SentinelUser) ? null : SentinelUser;
            configuration.Password = SentinelPassword;
        }

        return configuration;
    }

    /// <summary>Every problem with these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        ValidateTopology(errors);

        if (!string.IsNullOrEmpty(User) && string.IsNullOrEmpty(Password))
        {
            errors.Add("User is set but Password is not; AUTH needs both.");
        }

        if (Database < 0)
        {
            errors.Add($"Database must be 0 or more (was {Database}).");
        }

        RequirePositive(errors, nameof(ConnectTimeout), ConnectTimeout, TimeSpan.FromMinutes(1));
        RequirePositive(errors, nameof(CommandTimeout), CommandTimeout, TimeSpan.FromMinutes(1));
        RequirePositive(errors, nameof(ReconnectMinBackoff), ReconnectMinBackoff);
        if (ReconnectMaxBackoff < ReconnectMinBackoff)
        {
            errors.Add($"ReconnectMaxBackoff ({ReconnectMaxBackoff}) must not be below ReconnectMinBackoff ({ReconnectMinBackoff}).");
        }

        if (MaxAdmissionBatch is < 1 or > MaxAdmissionBatchLimit)
        {
            errors.Add($"MaxAdmissionBatch must be from 1 to {MaxAdmissionBatchLimit} (was {MaxAdmissionBatch}).");
        }

        if (AdmissionShards is { } shards && !ReplicaShards.IsValid(shards))
        {
            errors.Add($"AdmissionShards must be from 1 to {ReplicaShards.Max} (was {shards}).");
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

        if (ReplicaAcknowledgements is < 0 or > MaxReplicaAcknowledgements)
        {
            errors.Add($"ReplicaAcknowledgements must be from 0 to {MaxReplicaAcknowledgements} (was {ReplicaAcknowledgements}).");
        }

        RequirePositive(errors, nameof(ReplicaAcknowledgementTimeout), ReplicaAcknowledgementTimeout);
        if (CommandTimeout > TimeSpan.Zero && ReplicaAcknowledgementTimeout > CommandTimeout)
        {
            errors.Add($"ReplicaAcknowledgementTimeout ({ReplicaAcknowledgementTimeout}) must not exceed CommandTimeout ({CommandTimeout}): the wait is part of the call.");
        }

        return errors;
    }

    // The endpoints and what each topology needs (a cluster has only database 0; Sentinel needs the service name).
    private void ValidateTopology(List<string> errors)
    {
        if (!Enum.IsDefined(Topology))
        {
            errors.Add($"Topology must be Standalone, Cluster or Sentinel (was {(int)Topology}).");
        }

        if (Endpoints.Length == 0 && !RedisEndpoint.TryParse(Endpoint, out _))
        {
            errors.Add($"Endpoint '{Endpoint}' must be host:port with a port from 1 to 65535.");
        }

        foreach (var endpoint in Endpoints)
        {
            if (!RedisEndpoint.TryParse(endpoint, out _))
            {
                errors.Add($"Endpoints entry '{endpoint}' must be host:port with a port from 1 to 65535.");
            }
        }

        if (Endpoints.Distinct(StringComparer.OrdinalIgnoreCase).Count() != Endpoints.Length)
        {
            errors.Add("Endpoints lists an endpoint more than once.");
        }

        if (Topology == RedisTopology.Standalone && Endpoints.Length > 1)
        {
            errors.Add($"Endpoints lists {Endpoints.Length} servers but Topology is Standalone: set Topology to Cluster (a seed list) or Sentinel (the sentinels).");
        }

        if (Topology == RedisTopology.Cluster && Database != 0)
        {
            errors.Add($"Database must be 0 with Topology Cluster (a cluster has no other; was {Database}).");
        }

        if (Topology == RedisTopology.Sentinel && string.IsNullOrWhiteSpace(ServiceName))
        {
            errors.Add("ServiceName is required with Topology Sentinel: the name the sentinels monitor the primary under.");
        }

        if (Topology != RedisTopology.Sentinel && (!string.IsNullOrEmpty(ServiceName) || !string.IsNullOrEmpty(SentinelUser) || !string.IsNullOrEmpty(SentinelPassword)))
        {
            errors.Add("ServiceName, SentinelUser and SentinelPassword need Topology Sentinel.");
        }

        if (!string.IsNullOrEmpty(SentinelUser) && string.IsNullOrEmpty(SentinelPassword))
        {
            errors.Add("SentinelUser is set but SentinelPassword is not; AUTH needs both.");
        }
    }

    private static int Milliseconds(TimeSpan value) => (int)Math.Clamp(Math.Ceiling(value.TotalMilliseconds), 1, int.MaxValue);

    private static void RequirePositive(List<string> errors, string name, TimeSpan value, TimeSpan? max = null)
    {
        if (value <= TimeSpan.Zero || value > max)
        {
            errors.Add(max is null ? $"{name} must be positive (was {value})." : $"{name} must be positive and at most {max:c} (was {value}).");
        }
    }

    // Records print every property; the password must never reach a log.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Topology = ").Append(Topology)
            .Append(", Endpoint = ").Append(Endpoint)
            .Append(", Endpoints = [").Append(string.Join(", ", Endpoints)).Append(']')
            .Append(", ServiceName = ").Append(ServiceName)
            .Append(", User = ").Append(User)
            .Append(", Password = ").Append(Password is null ? "(none)" : "***")
            .Append(", SentinelUser = ").Append(SentinelUser)
            .Append(", SentinelPassword = ").Append(SentinelPassword is null ? "(none)" : "***")
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
            .Append(", MaxAdmissionBatch = ").Append(MaxAdmissionBatch)
            .Append(", AdmissionShards = ").Append(EffectiveAdmissionShards)
            .Append(", ReplicaAcknowledgements = ").Append(RequiredReplicaAcknowledgements)
            .Append(", ReplicaAcknowledgementTimeout = ").Append(ReplicaAcknowledgementTimeout)
            .Append(", AllowEviction = ").Append(AllowEviction);
        return true;
    }
}
