namespace Gateway.Audit.Options;

/// <summary>The audit journal's sink (<c>Gateway:Audit</c>).</summary>
public sealed record AuditOptions
{
    /// <summary>The shared-store sink: every replica appends to its own hash chain per tenant.</summary>
    public const string StoreSink = "store";

    /// <summary>The PostgreSQL sink (<c>Gateway:Store:Postgres</c>): every replica appends to its own chain per tenant, linked by the database.</summary>
    public const string PostgresSink = "postgres";

    /// <summary>The embedded sink: one append-only JSON-lines file per tenant and replica, one process.</summary>
    public const string FileSink = "file";

    /// <summary><c>file</c> (embedded default), <c>store</c> (the shared Redis store) or <c>postgres</c> (the system of record).</summary>
    public string Sink { get; init; } = FileSink;

    /// <summary>The directory of the file sink; relative paths resolve against the current directory.</summary>
    public string Directory { get; init; } = "data/audit";

    /// <summary>
    /// This replica's id (lowercase letters, digits, <c>-</c>; at most 63): each tenant has one chain per
    /// replica, so replicas never contend. Defaults to one derived from the host name (the pod name in
    /// Kubernetes); give each replica that shares a store or directory its own.
    /// </summary>
    public string? ReplicaId { get; init; }

    /// <summary>
    /// Chains this replica writes per tenant side by side, each its own partition (<see cref="AuditPartition.ChainOf"/>),
    /// a request's records all in the chain its request id picks: 1 to <see cref="AuditPartition.MaxChains"/>; unset,
    /// <see cref="DefaultChainsPerReplica"/>. Changing it across restarts is safe: the chains an earlier value wrote stay
    /// and verify.
    /// </summary>
    public int? ChainsPerReplica { get; init; }

    /// <summary>
    /// The default of <see cref="ChainsPerReplica"/> on <paramref name="cores"/> cores: on a sink whose chains append side
    /// by side (<see cref="IAuditStore.ChainsAppendSideBySide"/>: the embedded store) a quarter of the cores, 1 to 4; else
    /// one (<see cref="Gateway.Store.ReplicaShards.Default"/>). On 16 cores the embedded store held 27,187 <c>allow</c>
    /// req/s with four chains against 18,478 with one; Redis, whose one thread runs every chain's script, 19,083 against
    /// 20,148 (docs/performance.md).
    /// </summary>
    public static int DefaultChainsPerReplica(bool sideBySide, int cores) =>
        sideBySide ? Math.Clamp(cores / 4, 1, 4) : Gateway.Store.ReplicaShards.Default;

    /// <summary>
    /// Groups one chain may have in flight at once, each sealed on the end the one before will leave and sent without
    /// waiting for it: 1 to <see cref="MaxGroupsInFlight"/>; unset, a quarter of the cores, 2 to 4 (<see cref="DefaultGroupsInFlight"/>).
    /// Only for the shared-store sink, whose calls keep their order; the file and PostgreSQL sinks write one group at a time.
    /// </summary>
    public int? GroupsInFlight { get; init; }

    /// <summary><see cref="GroupsInFlight"/>, or its default on this machine when unset.</summary>
    public int EffectiveGroupsInFlight => GroupsInFlight ?? DefaultGroupsInFlight(Environment.ProcessorCount);

    /// <summary>
    /// The default of <see cref="GroupsInFlight"/> on <paramref name="cores"/> cores: a quarter of them, 2 to 4. On 16 cores
    /// four held 12 % more requests a second than one; on 2 cores two took a request that came while the one before was in
    /// flight off its wait (docs/performance.md), where four cost more CPU than the wait they saved.
    /// </summary>
    public static int DefaultGroupsInFlight(int cores) => Math.Clamp(cores / 4, 2, 4);

    /// <summary>The most <see cref="GroupsInFlight"/> may be.</summary>
    public const int MaxGroupsInFlight = 16;

    /// <summary>
    /// How long an answered request's outcome (an append no caller awaits) waits for its chain's next group, so that it
    /// rides the next request's store call instead of making one of its own: 0 to <see cref="MaxOutcomeLinger"/>; zero
    /// sends it at once. A read of the journal and the host's shutdown send it at once.
    /// </summary>
    public TimeSpan OutcomeLinger { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The longest <see cref="OutcomeLinger"/> may be.</summary>
    public static readonly TimeSpan MaxOutcomeLinger = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The most entries of one tenant the journal's backlog holds while the sink refuses that tenant's appends (of
    /// <see cref="BacklogCapacity"/> for every tenant together), so that one tenant's outage (its Redis Cluster slot down)
    /// cannot fill the backlog and drop another tenant's refusals: 1 to <see cref="BacklogCapacity"/>; a tenth of it by default.
    /// </summary>
    public int BacklogCapacityPerTenant { get; init; } = DefaultBacklogCapacityPerTenant;

    /// <summary>The most entries the journal's backlog holds, every tenant's together.</summary>
    public const int BacklogCapacity = 10_000;

    /// <summary>The default of <see cref="BacklogCapacityPerTenant"/>: a tenth of <see cref="BacklogCapacity"/>.</summary>
    public const int DefaultBacklogCapacityPerTenant = BacklogCapacity / 10;

    /// <summary>How many times an append retries after losing an optimistic-concurrency race.</summary>
    public int MaxAppendAttempts { get; init; } = 32;

    /// <summary><c>Gateway:Audit:Retention</c>: export then retire records by age (off by default).</summary>
    public AuditRetentionOptions Retention { get; init; } = new();
}
