using System.Collections.Frozen;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// Counts each tenant's pending approvals in the store every <see cref="Interval"/> (and at start) and hands the figures to
/// <c>gateway.approvals.pending</c> (<see cref="OversightMetrics.ReportPending"/>), whose scrape reads them and never the
/// store. Every replica counts the same store, so each reports the whole figure: a replica started after the approvals were
/// opened reports them, and one expired unread leaves the count (<see cref="ApprovalService.CountPendingAsync(string, CancellationToken)"/> settles it).
/// Fail-soft: a tenant the store fails to count keeps its last figure, and the failure is logged. The service is resolved
/// at the first count, not when the host resolves its hosted services: the start-up checks of its keys report first.
/// </summary>
internal sealed partial class PendingApprovalsRefresher : BackgroundService
{
    /// <summary>How many tenants are counted at once.</summary>
    private const int Counters = 4;

    /// <summary>How often the figures are counted again.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private readonly Lazy<ApprovalService> _approvals;
    private readonly OversightMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<PendingApprovalsRefresher> _logger;
    private readonly Dictionary<string, long> _pending = new(StringComparer.Ordinal);
    private PeriodicTimer? _timer;

    public PendingApprovalsRefresher(Lazy<ApprovalService> approvals, OversightMetrics metrics, TimeProvider time, ILogger<PendingApprovalsRefresher> logger)
    {
        _approvals = approvals;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc/>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Before ExecuteAsync runs (on its own task): the clock may move from the moment the host has started.
        _timer ??= new PeriodicTimer(Interval, _time);
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _timer?.Dispose();
        base.Dispose();
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var timer = _timer!;
        do
        {
            await RefreshAsync(stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One count of every tenant that has opened approvals (and every one counted before, <see cref="Counters"/> at once), then the figures handed on.</summary>
    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var tenants = new SortedSet<string>(_pending.Keys, StringComparer.Ordinal);
        try
        {
            tenants.UnionWith(await _approvals.Value.ListApprovalTenantsAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogTenantsFailed(_logger, ex);
        }

        var counters = new ParallelOptions { MaxDegreeOfParallelism = Counters, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(tenants, counters, async (tenant, token) =>
        {
            try
            {
                var count = await _approvals.Value.CountPendingAsync(tenant, token).ConfigureAwait(false);
                lock (_pending)
                {
                    _pending[tenant] = count;
                }
            }
            catch (Exception ex) when (!token.IsCancellationRequested)
            {
                // Keeps the tenant's last figure (none before its first count).
                LogCountFailed(_logger, tenant, ex);
            }
        }).ConfigureAwait(false);

        _metrics.ReportPending(_pending.ToFrozenDictionary(StringComparer.Ordinal));
    }

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Could not list the tenants with approvals to count the pending ones; the last figures stay reported")]
    private static partial void LogTenantsFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "Could not count the pending approvals of tenant {Tenant}; its last figure stays reported")]
    private static partial void LogCountFailed(ILogger logger, string tenant, Exception exception);
}
