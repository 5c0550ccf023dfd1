using Gateway.Audit.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Audit;

/// <summary>
/// Every <see cref="AuditRetentionOptions.Interval"/>, for each tenant with a chain (and each tenant with an
/// override), exports then retires its records older than its age (<see cref="AuditRetention"/>). A tenant
/// whose export or retirement fails is logged and left whole; the others go on.
/// </summary>
internal sealed class AuditRetentionJob(
    AuditRetention retention,
    AuditJournal journal,
    IOptions<AuditOptions> options,
    TimeProvider time,
    ILogger<AuditRetentionJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.Retention;
        if (!settings.Enabled || journal.Store is not IAuditRetirement)
        {
            return;
        }

        using var timer = new PeriodicTimer(settings.Interval, time);
        do
        {
            await RunOnceAsync(stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One pass over every tenant; returns how many records were retired.</summary>
    public async Task<long> RunOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value.Retention;
        if (journal.Store is not IAuditRetirement retirement || settings.ExportDirectory is not { } directory)
        {
            return 0;
        }

        var tenants = new SortedSet<string>(settings.Tenants.Keys, StringComparer.Ordinal);
        tenants.UnionWith(await retirement.ListTenantsAsync(cancellationToken).ConfigureAwait(false));
        long retired = 0;
        foreach (var tenant in tenants)
        {
            if (settings.AgeOf(tenant) is not { } age)
            {
                continue;
            }

            try
            {
                retired += await retention.RetireAsync(tenant, time.GetUtcNow() - age, directory, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                AuditLog.AuditRetentionFailed(logger, tenant, ex);
            }
        }

        return retired;
    }
}
