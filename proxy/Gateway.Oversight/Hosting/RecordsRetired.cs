namespace Gateway.Oversight.Hosting;

/// <summary>What one run of <see cref="RecordsRetentionJob"/> removed.</summary>
internal sealed record RecordsRetired(long Approvals, long WarrantUses, long Notifications);
