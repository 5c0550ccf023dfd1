using Microsoft.Extensions.Hosting;

namespace Gateway.Audit.Hosting;

/// <summary>Recovers the file journal's tips (and cuts off a torn last line) before the first request appends.</summary>
internal sealed class AuditStartup(IAuditStore store) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (store is FileAuditStore file)
        {
            await file.RecoverAllAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
