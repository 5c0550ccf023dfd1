namespace Gateway.Audit;

/// <summary>An append made durable: the sealed record, and the signed receipt the append asked for (null when it asked for none).</summary>
public readonly record struct AuditAppended(AuditRecord Record, string? Receipt);
