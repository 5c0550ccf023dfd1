using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Store;

/// <summary>Warns once at start that the embedded store keeps nothing on disk (<c>Gateway:Store:Memory:Directory</c> empty, <c>Gateway:Store:Memory:Volatile</c> true).</summary>
internal sealed partial class VolatileStateStoreWarning(ILogger<VolatileStateStoreWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogVolatile(logger, StateStoreOptionsValidator.VolatileKey, StateStoreOptions.SectionName + ":Memory:Directory");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 9102, Level = LogLevel.Warning,
        Message = "The embedded store keeps its state in memory only ({Allowed} is true): a restart forgets nonces (a replayed request is accepted again), kill switches, approvals, warrants, limits and budgets. Set {Setting} to a directory, or unset it (docs/operations.md).")]
    private static partial void LogVolatile(ILogger logger, string allowed, string setting);
}
