using Microsoft.Extensions.Logging;

namespace Gateway.Store;

/// <summary>Source-generated log messages of <see cref="RedisConnection"/>. None of them carries credentials.</summary>
internal static partial class RedisConnectionLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Connected to Redis at {Endpoint} (database {Database}, TLS {UseTls}, every write waits for {ReplicaAcknowledgements} replica acknowledgements).")]
    public static partial void Connected(ILogger logger, string endpoint, int database, bool useTls, int replicaAcknowledgements);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "The connection to Redis at {Endpoint} failed ({FailureType}).")]
    public static partial void ConnectionFailed(ILogger logger, string endpoint, string failureType, Exception? reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "The connection to Redis at {Endpoint} is restored.")]
    public static partial void ConnectionRestored(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Every call to Redis at {Endpoint} is refused: {Refusal}")]
    public static partial void EvictionRefused(ILogger logger, string endpoint, string refusal);
}
