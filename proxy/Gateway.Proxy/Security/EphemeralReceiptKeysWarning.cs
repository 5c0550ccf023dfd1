namespace Gateway.Proxy.Security;

/// <summary>Warns once at start that the receipt keys were generated for this process only (no <c>Gateway:Receipts:KeyRingFile</c>, <c>Gateway:Receipts:AllowEphemeralKeys</c> true).</summary>
internal sealed partial class EphemeralReceiptKeysWarning(ILogger<EphemeralReceiptKeysWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogEphemeral(logger, ReceiptKeysLoader.AllowEphemeralKeysKey, ReceiptKeysLoader.KeyRingFileKey);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning,
        Message = "Receipt keys were generated for this process only ({Allowed} is true): its receipts and checkpoints verify only while it runs. Set {Setting} to a ring written by 'gatewayctl keys init' or a PEM ECDSA P-256 key (docs/evidence.md).")]
    private static partial void LogEphemeral(ILogger logger, string allowed, string setting);
}
