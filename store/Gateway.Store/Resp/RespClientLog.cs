using Microsoft.Extensions.Logging;

namespace Gateway.Store.Resp;

/// <summary>Source-generated log messages of <see cref="RespClient"/>. None of them carries credentials.</summary>
internal static partial class RespClientLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Connected to Redis at {Endpoint} (database {Database}, TLS {UseTls}).")]
    public static partial void Connected(ILogger logger, string endpoint, int database, bool useTls);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Lost the connection to Redis at {Endpoint}.")]
    public static partial void Disconnected(ILogger logger, string endpoint, Exception reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Connecting to Redis at {Endpoint} failed (attempt {Attempt}); retrying in {DelayMs:0} ms.")]
    public static partial void ReconnectScheduled(ILogger logger, string endpoint, int attempt, double delayMs, Exception reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Closed the connection to Redis at {Endpoint} after {Operation} made no progress within the command timeout.")]
    public static partial void StalledConnectionClosed(ILogger logger, string endpoint, string operation);
}
