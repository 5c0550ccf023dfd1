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
}
