using Microsoft.Extensions.Hosting;

namespace Gateway.Audit;

/// <summary>Once a second, writes the journal's backlog (<see cref="AuditBacklog"/>) if the sink takes appends again.</summary>
internal sealed class AuditBacklogFlusher(AuditJournal journal, TimeProvider time) : BackgroundService
{
    /// <summary>How often the backlog is retried.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            await journal.FlushBacklogAsync(stoppingToken).ConfigureAwait(false);
        }
    }
}
