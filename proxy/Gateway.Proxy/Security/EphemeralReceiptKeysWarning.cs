namespace Gateway.Proxy.Security;

/// <summary>Warns once at start that the receipt keys were generated for this process only (no <c>Gateway:Receipts:KeyRingFile</c>).</summary>
internal sealed partial class EphemeralReceiptKeysWarning(ILogger<EphemeralReceiptKeysWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogEphemeral(logger, ReceiptKeysLoader.KeyRingFileKey);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning,
        Message = "Receipt keys were generated for this process only: its receipts and checkpoints verify only while it runs. Set {Setting} to a ring written by 'gatewayctl keys init' (docs/evidence.md).")]
    private static partial void LogEphemeral(ILogger logger, string setting);
}
