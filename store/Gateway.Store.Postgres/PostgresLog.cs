using Microsoft.Extensions.Logging;

namespace Gateway.Store.Postgres;

internal static partial class PostgresLog
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Applied PostgreSQL migration {Version}_{Name}.")]
    public static partial void MigrationApplied(ILogger logger, int version, string name);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Critical, Message = "The PostgreSQL schema is at version {Current}, newer than this binary knows ({Latest}); refusing to start.")]
    public static partial void SchemaTooNew(ILogger logger, int current, int latest);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Information, Message = "The PostgreSQL schema is at version {Version}.")]
    public static partial void SchemaCurrent(ILogger logger, int version);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Information, Message = "Created {Count} audit journal partitions (kept {DaysAhead} days ahead).")]
    public static partial void AuditPartitionsCreated(ILogger logger, int count, int daysAhead);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Error, Message = "Could not create the audit journal's partitions ahead; trying again within the hour. A day without a partition refuses its records.")]
    public static partial void AuditPartitionsFailed(ILogger logger, Exception exception);
}
