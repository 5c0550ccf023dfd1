using Microsoft.Extensions.Hosting;

namespace Gateway.Audit.Hosting;

/// <summary>
/// Recovers the file journal's tips (and cuts off a torn last line) before the first request appends; at shutdown, once
/// the server has answered its last request, waits for the outcomes still being appended after their answers
/// (<see cref="AuditJournal.AppendUnawaited"/>).
/// </summary>
internal sealed class AuditStartup(IAuditStore store, AuditJournal journal) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (store is FileAuditStore file)
        {
            await file.RecoverAllAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => journal.DrainUnawaitedAsync(cancellationToken);
}
