using StackExchange.Redis;

namespace Gateway.Store;

// The Redis store's clocks: TIME on every primary (the one primary off a cluster), as readiness compares them with the replica's.
public sealed partial class RedisStateStore : IStoreClock
{
    public async ValueTask<IReadOnlyList<DateTimeOffset>> ReadClocksAsync(CancellationToken cancellationToken = default) =>
        await RunAsync("time", this, static (database, store, _) => store.ReadPrimaryClocksAsync(database.Multiplexer), cancellationToken).ConfigureAwait(false);

    private async Task<IReadOnlyList<DateTimeOffset>> ReadPrimaryClocksAsync(IConnectionMultiplexer multiplexer)
    {
        var primaries = _topology == RedisTopology.Cluster ? await ClusterPrimariesAsync(multiplexer).ConfigureAwait(false) : [PrimaryFor(multiplexer, default)];
        var clocks = await Task.WhenAll(primaries.Select(static primary => primary.TimeAsync(CommandFlags.None))).ConfigureAwait(false);
        return [.. clocks.Select(static clock => new DateTimeOffset(DateTime.SpecifyKind(clock, DateTimeKind.Utc)))];
    }
}
