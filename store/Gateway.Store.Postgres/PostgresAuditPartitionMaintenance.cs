using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Store.Postgres;

/// <summary>
/// Keeps the audit journal's daily partitions (migration 0030) created ahead: at start-up, after the schema step, and
/// every <see cref="Interval"/>, <c>audit_partitions_ensure</c> creates those missing from the newest one through
/// <see cref="PostgresStoreOptions.AuditPartitionDaysAhead"/> days after today (UTC). A pass that fails is logged and
/// tried again at the next one: the partitions already ahead keep the journal writable meanwhile, and a day with no
/// partition at all refuses its records (the requests fail closed), never stores them elsewhere.
/// </summary>
internal sealed class PostgresAuditPartitionMaintenance(
    PostgresDatabase database,
    IOptions<PostgresStoreOptions> options,
    TimeProvider time,
    ILogger<PostgresAuditPartitionMaintenance> logger) : BackgroundService
{
    /// <summary>How often the partitions ahead are checked.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>One pass: creates the missing partitions and returns how many.</summary>
    public async Task<int> EnsureAsync(CancellationToken cancellationToken)
    {
        await using var scope = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        int created;
        await using (var command = scope.CreateCommand("SELECT audit_partitions_ensure($1)"))
        {
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = options.Value.AuditPartitionDaysAhead });
            created = (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        await scope.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (created > 0)
        {
            PostgresLog.AuditPartitionsCreated(logger, created, options.Value.AuditPartitionDaysAhead);
        }

        return created;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await EnsureAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                PostgresLog.AuditPartitionsFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
