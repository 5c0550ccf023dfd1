using System.Text.Json;
using Gateway.Oversight.Options;
using Gateway.Store;
using Microsoft.Extensions.Options;

namespace Gateway.Oversight.Runs;

/// <summary>
/// Runs in the shared store, so that every replica sees a start or an end on its next request (no cache). Each run's
/// record under <c>StoreKeys.Run</c> (tenant and registered agent: one agent's lookup never reads another's run), how it
/// ended under <c>StoreKeys.RunEnd</c> (absent while active; stored only when absent, so the first ending wins on every
/// replica), its agent by its id alone under <c>StoreKeys.RunOwner</c> (what an operator names), and the runs started
/// each UTC day under <c>StoreKeys.Runs</c> (to list them). All of it expires with the run's retention
/// (<see cref="RunOptions.Retention"/>); the run's story stays in the audit journal. Every key carries the tenant's hash
/// tag. A store failure throws <see cref="StateStoreUnavailableException"/>.
/// </summary>
public sealed class RunStore
{
    private const int ReadChunk = 256;

    private readonly IStateStore _store;
    private readonly TimeProvider _time;

    public RunStore(IStateStore store, TimeProvider time, IOptions<OversightOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _time = time;
        Retention = options.Value.Runs.Retention;
    }

    /// <summary>How long a run is kept after it started (<see cref="RunOptions.Retention"/>).</summary>
    public TimeSpan Retention { get; }

    /// <summary>Stores a new run until <see cref="RunRecord.ExpiresAt"/> and lists it under its day.</summary>
    public async ValueTask CreateAsync(RunRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var ttl = record.ExpiresAt - _time.GetUtcNow();
        if (ttl <= TimeSpan.Zero)
        {
            throw new ArgumentException("The run has already expired.", nameof(record));
        }

        await _store.SetAsync(StoreKeys.Run(record.Tenant, record.Agent, record.Id), JsonSerializer.Serialize(record, OversightJsonContext.Default.RunRecord), ttl, cancellationToken).ConfigureAwait(false);
        await _store.SetAsync(StoreKeys.RunOwner(record.Tenant, record.Id), record.Agent, ttl, cancellationToken).ConfigureAwait(false);
        await _store.SetAddAsync(StoreKeys.Runs(record.Tenant, Day(record.CreatedAt)), record.Agent + "/" + record.Id, Retention + TimeSpan.FromDays(1), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The run <paramref name="runId"/> of <paramref name="agent"/> (a registered agent) in <paramref name="tenant"/>, as
    /// stored now (one read of its record and its end); null when there is none: unknown, expired, or another agent's.
    /// </summary>
    public async ValueTask<RunState?> FindAsync(string tenant, string agent, string runId, CancellationToken cancellationToken = default)
    {
        if (!RunIds.IsValid(runId))
        {
            return null;
        }

        var values = await _store.GetManyAsync([StoreKeys.Run(tenant, agent, runId), StoreKeys.RunEnd(tenant, agent, runId)], cancellationToken).ConfigureAwait(false);
        return State(values[0], values[1], tenant, agent);
    }

    /// <summary>The run <paramref name="runId"/> of any agent of <paramref name="tenant"/> (what an operator names); null when there is none.</summary>
    public async ValueTask<RunState?> FindAsync(string tenant, string runId, CancellationToken cancellationToken = default)
    {
        if (!RunIds.IsValid(runId) || await _store.GetAsync(StoreKeys.RunOwner(tenant, runId), cancellationToken).ConfigureAwait(false) is not { } agent)
        {
            return null;
        }

        return await FindAsync(tenant, agent, runId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Ends <paramref name="run"/> with <paramref name="end"/> on every replica, unless it has already ended: the first ending
    /// stored wins. Returns whether this call ended it, and the run as it is now (with the ending that won).
    /// </summary>
    public async ValueTask<(bool Ended, RunState State)> EndAsync(RunRecord run, RunEnd end, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(end);
        var key = StoreKeys.RunEnd(run.Tenant, run.Agent, run.Id);
        var ttl = run.ExpiresAt - _time.GetUtcNow();
        if (ttl < TimeSpan.FromMinutes(1))
        {
            ttl = TimeSpan.FromMinutes(1);
        }

        if (await _store.TrySetIfAbsentAsync(key, JsonSerializer.Serialize(end, OversightJsonContext.Default.RunEnd), ttl, cancellationToken).ConfigureAwait(false))
        {
            return (true, new RunState(run, end));
        }

        var stored = await _store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        return (false, new RunState(run, stored is null ? end : JsonSerializer.Deserialize(stored, OversightJsonContext.Default.RunEnd)));
    }

    /// <summary>The tenant's runs still stored that match <paramref name="query"/>, newest first.</summary>
    public async ValueTask<IReadOnlyList<RunState>> ListAsync(string tenant, RunListQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var now = _time.GetUtcNow();
        var oldest = now - Retention;
        var from = query.From is { } f && f > oldest ? f : oldest;
        var to = query.To is { } t && t < now ? t : now;
        var found = new List<RunState>();
        for (var day = Day(to); day >= Day(from) && found.Count < query.Limit; day--)
        {
            // A day's runs are unordered in their set: the whole day is read, then sorted with the rest.
            var members = await _store.SetMembersAsync(StoreKeys.Runs(tenant, day), cancellationToken).ConfigureAwait(false);
            var runs = new List<(string Agent, string Id)>(members.Count);
            foreach (var member in members)
            {
                if (member.Split('/') is [var agent, var id] && (query.Agent is null || query.Agent == agent))
                {
                    runs.Add((agent, id));
                }
            }

            foreach (var chunk in runs.Chunk(ReadChunk))
            {
                var keys = new List<string>(chunk.Length * 2);
                foreach (var (agent, id) in chunk)
                {
                    keys.Add(StoreKeys.Run(tenant, agent, id));
                    keys.Add(StoreKeys.RunEnd(tenant, agent, id));
                }

                var values = await _store.GetManyAsync(keys, cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < chunk.Length; i++)
                {
                    if (State(values[2 * i], values[(2 * i) + 1], tenant, chunk[i].Agent) is { } state
                        && (query.From is null || state.Record.CreatedAt >= query.From) && (query.To is null || state.Record.CreatedAt < query.To)
                        && (query.Status is null || query.Status == state.Status))
                    {
                        found.Add(state);
                    }
                }
            }
        }

        found.Sort(static (a, b) => b.Record.CreatedAt.CompareTo(a.Record.CreatedAt) is var byTime and not 0 ? byTime : string.CompareOrdinal(a.Record.Id, b.Record.Id));
        return found.Count > query.Limit ? found[..query.Limit] : found;
    }

    // A stored record (of this tenant and agent: a key names both, the record must too) and its end, or null.
    private static RunState? State(string? record, string? end, string tenant, string agent)
    {
        if (record is null || JsonSerializer.Deserialize(record, OversightJsonContext.Default.RunRecord) is not { } run
            || run.Tenant != tenant || run.Agent != agent)
        {
            return null;
        }

        return new RunState(run, end is null ? null : JsonSerializer.Deserialize(end, OversightJsonContext.Default.RunEnd));
    }

    private static long Day(DateTimeOffset instant) => instant.ToUnixTimeSeconds() / 86_400;
}
