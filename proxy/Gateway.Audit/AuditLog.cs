using Microsoft.Extensions.Logging;

namespace Gateway.Audit;

/// <summary>
/// Every log message of the audit log and its evidence (event ids 4030-4036, 4060-4062, 4070-4073, 4091-4094, as
/// before the split from Gateway.Oversight). No token, secret or credential value is ever a parameter.
/// </summary>
internal static partial class AuditLog
{
    [LoggerMessage(EventId = 4030, Level = LogLevel.Error, Message = "Audit append failed for tenant {Tenant}")]
    public static partial void AuditAppendFailed(ILogger logger, Exception exception, string tenant);

    [LoggerMessage(EventId = 4031, Level = LogLevel.Error, Message = "Audit chain of tenant {Tenant} stayed contended for {Attempts} attempts")]
    public static partial void AuditContended(ILogger logger, string tenant, int attempts);

    [LoggerMessage(EventId = 4032, Level = LogLevel.Error, Message = "Audit chain of tenant {Tenant} is broken at index {Index}: {Reason}")]
    public static partial void AuditChainBroken(ILogger logger, string tenant, long index, string reason);

    [LoggerMessage(EventId = 4033, Level = LogLevel.Warning, Message = "Audit export of record {Seq} of tenant {Tenant} failed")]
    public static partial void AuditExportFailed(ILogger logger, Exception exception, string tenant, long seq);

    [LoggerMessage(EventId = 4034, Level = LogLevel.Warning, Message = "Audit file of tenant {Tenant} ended in a torn line of {Bytes} bytes (never acknowledged); cut off")]
    public static partial void AuditTornTail(ILogger logger, string tenant, long bytes);

    [LoggerMessage(EventId = 4035, Level = LogLevel.Information, Message = "Audit file of tenant {Tenant} recovered with {Records} records")]
    public static partial void AuditRecovered(ILogger logger, string tenant, long records);

    [LoggerMessage(EventId = 4036, Level = LogLevel.Critical, Message = "Audit file of tenant {Tenant} is damaged and left as it is: {Damage}")]
    public static partial void AuditFileDamaged(ILogger logger, string tenant, string damage);

    [LoggerMessage(EventId = 4060, Level = LogLevel.Error, Message = "Audit backlog full ({Capacity} entries) while the sink is down: a refusal of tenant {Tenant} will not be recorded")]
    public static partial void AuditBacklogFull(ILogger logger, string tenant, int capacity);

    [LoggerMessage(EventId = 4062, Level = LogLevel.Error, Message = "A record of an answered request of tenant {Tenant} (its outcome) could not be written; a sink that failed has it in the backlog")]
    public static partial void AuditUnawaitedFailed(ILogger logger, Exception exception, string tenant);

    [LoggerMessage(EventId = 4061, Level = LogLevel.Information, Message = "Audit sink recovered: wrote {Count} records that waited in the backlog")]
    public static partial void AuditBacklogWritten(ILogger logger, int count);

    [LoggerMessage(EventId = 4070, Level = LogLevel.Information, Message = "Audit retention of tenant {Tenant}: exported {Records} records before {Cutoff} to {File}, retired {Retired}")]
    public static partial void AuditRetired(ILogger logger, string tenant, long records, DateTimeOffset cutoff, string file, long retired);

    [LoggerMessage(EventId = 4071, Level = LogLevel.Error, Message = "Audit retention of tenant {Tenant} failed before anything was retired: the export could not be written")]
    public static partial void AuditRetentionExportFailed(ILogger logger, string tenant, Exception exception);

    [LoggerMessage(EventId = 4072, Level = LogLevel.Error, Message = "Audit retention of tenant {Tenant} failed")]
    public static partial void AuditRetentionFailed(ILogger logger, string tenant, Exception exception);

    [LoggerMessage(EventId = 4073, Level = LogLevel.Error, Message = "Audit retention of tenant {Tenant} stopped chain {Replica} after seq {ThroughSeq}: its next record does not follow ({Reason}: {Detail}); nothing after it is retired, run audit verify")]
    public static partial void AuditRetentionStoppedAtBreak(ILogger logger, string tenant, string replica, long throughSeq, string reason, string detail);

    [LoggerMessage(EventId = 4091, Level = LogLevel.Warning, Message = "Checkpoint of {Partition} at size {TreeSize} not accepted by the witness (attempt {Attempt}: {Error})")]
    public static partial void WitnessPushFailed(ILogger logger, string partition, long treeSize, int attempt, string error);

    [LoggerMessage(EventId = 4092, Level = LogLevel.Error, Message = "Checkpoint of {Partition} at size {TreeSize} dropped after {Attempts} attempts to reach the witness")]
    public static partial void WitnessPushDropped(ILogger logger, string partition, long treeSize, int attempts);

    [LoggerMessage(EventId = 4093, Level = LogLevel.Error, Message = "Checkpointing the audit chain {Partition} failed; the next interval tries again")]
    public static partial void CheckpointFailed(ILogger logger, Exception exception, string partition);

    [LoggerMessage(EventId = 4094, Level = LogLevel.Error, Message = "Signing the decision receipts of an audit group of tenant {Tenant} failed; their requests are refused")]
    public static partial void ReceiptSigningFailed(ILogger logger, Exception exception, string tenant);
}
