namespace Gateway.Policy.AuditChain;

/// <summary>Stable reasons a chain is broken at a record.</summary>
public static class AuditBreakReasons
{
    /// <summary>The line is not a JSON object, lacks a member, or repeats one.</summary>
    public const string MalformedRecord = "malformed_record";

    /// <summary>The record's <c>seq</c> is not its position + 1 (a record deleted or inserted before it).</summary>
    public const string SequenceGap = "sequence_gap";

    /// <summary>The record's <c>prev_hash</c> is not the previous record's hash.</summary>
    public const string PrevHashMismatch = "prev_hash_mismatch";

    /// <summary>The record's content does not hash to its <c>hash</c> (edited).</summary>
    public const string HashMismatch = "hash_mismatch";

    /// <summary>The record names another tenant.</summary>
    public const string TenantMismatch = "tenant_mismatch";

    /// <summary>The record names another replica than the chain holding it (moved between chains).</summary>
    public const string ReplicaMismatch = "replica_mismatch";

    /// <summary>The record refers by <c>explanation_digest</c> to an explanation that is not stored (or, in an export, not given before it).</summary>
    public const string ExplanationMissing = "explanation_missing";

    /// <summary>The explanation the record refers to does not hash to its <c>explanation_digest</c> (edited).</summary>
    public const string ExplanationAltered = "explanation_altered";

    /// <summary>The stored chain ends before the tip its store records, or its record there has another hash (the newest records deleted or replaced).</summary>
    public const string TipMismatch = "tip_mismatch";
}
