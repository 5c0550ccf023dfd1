using Npgsql;

namespace Gateway.Testing;

/// <summary>
/// A real PostgreSQL primary and a hot standby streaming from it (<see cref="PostgresServer.CreateStandbyAsync"/>), both on
/// free loopback ports. Synchronous (<c>synchronous_standby_names = '*'</c>, <c>synchronous_commit = on</c>): the primary
/// acknowledges a commit only once the standby has flushed its WAL, so a commit the primary acknowledged is on the standby
/// when the primary dies. <see cref="FailOverAsync"/> (or its two steps) stops the primary at once (<c>pg_ctl stop -m immediate</c>: a crash,
/// nothing more is shipped) and promotes the standby. The clients' view is <see cref="ConnectionString"/>: both hosts, the
/// writable primary targeted, as the gateway is configured in production.
/// </summary>
public sealed class PostgresReplicaSet : IAsyncDisposable
{
    private PostgresReplicaSet(PostgresServer primary, PostgresServer standby)
    {
        Primary = primary;
        Standby = standby;
    }

    /// <summary>The server that takes writes until <see cref="FailOverAsync"/>.</summary>
    public PostgresServer Primary { get; }

    /// <summary>The streaming standby; the primary after <see cref="FailOverAsync"/>.</summary>
    public PostgresServer Standby { get; }

    /// <summary>Starts a primary and its standby; when <paramref name="synchronous"/>, waits until the standby is the synchronous one.</summary>
    public static async Task<PostgresReplicaSet> CreateAsync(bool synchronous)
    {
        var primary = await PostgresServer.CreateAsync().ConfigureAwait(false);
        PostgresServer? standby = null;
        try
        {
            standby = await primary.CreateStandbyAsync().ConfigureAwait(false);
            var set = new PostgresReplicaSet(primary, standby);
            await set.WaitForStandbyAsync(synchronous).ConfigureAwait(false);
            return set;
        }
        catch
        {
            await (standby?.DisposeAsync() ?? ValueTask.CompletedTask).ConfigureAwait(false);
            await primary.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Both hosts, the original primary first, with <c>Target Session Attributes=primary</c> (only the writable primary
    /// takes a connection) and host states rechecked every second (Npgsql's default is 10 s: how long a standby that was
    /// just promoted can still be taken for a standby).
    /// </summary>
    public string ConnectionString(string database) =>
        $"Host={Primary.Endpoint},{Standby.Endpoint};Target Session Attributes=primary;Host Recheck Seconds=1;Username=postgres;Database={database};Maximum Pool Size=20;Timeout=2";

    /// <summary>Creates an empty database on the primary (the standby replays it) and returns its name.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync(Primary, $"CREATE DATABASE {name}").ConfigureAwait(false);
        return name;
    }

    /// <summary>The primary dies (immediate stop, as a crash) and the standby is promoted: the switch a failover manager makes.</summary>
    public async Task FailOverAsync()
    {
        await StopPrimaryAsync().ConfigureAwait(false);
        await PromoteStandbyAsync().ConfigureAwait(false);
    }

    /// <summary>The primary dies (immediate stop, as a crash): nothing is shipped to the standby after it.</summary>
    public Task StopPrimaryAsync() => Primary.StopAsync();

    /// <summary>The standby is promoted (returns once it takes writes).</summary>
    public Task PromoteStandbyAsync() => Standby.PromoteAsync();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Standby.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            await Primary.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task WaitForStandbyAsync(bool synchronous)
    {
        if (synchronous)
        {
            await ExecuteAsync(Primary, "ALTER SYSTEM SET synchronous_standby_names = '*'").ConfigureAwait(false);
            await ExecuteAsync(Primary, "SELECT pg_reload_conf()").ConfigureAwait(false);
        }

        var wanted = synchronous ? "sync" : "async";
        await Eventually.HoldsAsync(
            async () =>
            {
                await using var connection = new NpgsqlConnection(Primary.ConnectionString() + ";Pooling=false");
                await connection.OpenAsync().ConfigureAwait(false);
                await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND sync_state = $1", connection);
                command.Parameters.Add(new NpgsqlParameter { Value = wanted });
                return (long)(await command.ExecuteScalarAsync().ConfigureAwait(false))! == 1;
            },
            TimeSpan.FromSeconds(30),
            $"the standby did not stream as {wanted} within 30 s").ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(PostgresServer server, string sql)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString() + ";Pooling=false");
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}
