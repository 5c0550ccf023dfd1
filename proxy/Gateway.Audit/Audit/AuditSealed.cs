namespace Gateway.Audit;

/// <summary>A record sealed by <see cref="AuditSeal"/>: the record with its hash, its journal line (UTF-8, no newline) and the explanation to store for it (null when it has none).</summary>
internal readonly record struct AuditSealed(AuditRecord Record, byte[] Line, AuditExplanation? Explanation)
{
    public void Deconstruct(out AuditRecord record, out byte[] line)
    {
        record = Record;
        line = Line;
    }
}
