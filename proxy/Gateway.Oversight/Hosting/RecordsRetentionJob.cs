using Gateway.Oversight.Options;
using Gateway.Store.Postgres;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Oversight.Hosting;

/// <summary>
/// Every <see cref="RecordsRetentionOptions.Interval"/>, removes the PostgreSQL records older than
/// <see cref="RecordsRetentionOptions.MaxAge"/> that can never be needed again, through <c>records_retire</c>
/// (migration 0015: one transaction, every tenant). Off without PostgreSQL or without a max age; a failed run
/// removes nothing (the transaction rolls back), is logged, and the next run tries again.
/// </summary>
internal sealed class RecordsRetentionJob(
    PostgresDatabase? database,
    IOptions<OversightOptions> options,
    TimeProvider time,
    ILogger<RecordsRetentionJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.Records.Retention;
        if (database is null || settings.MaxAge is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(settings.Interval, time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                OversightLog.RecordsRetentionFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One run: removes what is older than the max age; returns how many of each went (all zero when off).</summary>
    public async Task<RecordsRetired> RunOnceAsync(CancellationToken cancellationToken)
    {
        if (database is null || options.Value.Records.Retention.MaxAge is not { } age)
        {
            return new RecordsRetired(0, 0, 0);
        }

        var cutoff = time.GetUtcNow() - age;
        var retired = await PostgresRecordCalls.InTransactionAsync(database, tenant: null, async scope =>
        {
            await using var command = scope.Command("SELECT retired_approvals, retired_warrant_uses, retired_notifications FROM records_retire($1)", cutoff.ToUniversalTime());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return new RecordsRetired(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }, cancellationToken).ConfigureAwait(false);
        OversightLog.RecordsRetired(logger, cutoff, retired.Approvals, retired.WarrantUses, retired.Notifications);
        return retired;
    }
}
