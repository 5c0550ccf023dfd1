using System.Text.Json;

namespace Gateway.Oversight.Audit;

/// <summary>
/// One journal line: the entry plus its chain (<see cref="Tenant"/> and <see cref="Replica"/>), its
/// position in that chain (<see cref="Seq"/>, from 1), time and hash-chain links. <see cref="Hash"/> = lowercase hex SHA-256 over the canonical JSON of the record without
/// <c>hash</c> (object members sorted by ordinal name, no whitespace); the first record's
/// <see cref="PrevHash"/> is 64 zeros.
/// </summary>
public sealed record AuditRecord
{
    public required long Seq { get; init; }

    public required DateTimeOffset Time { get; init; }

    public required string Tenant { get; init; }

    public string? Workspace { get; init; }

    public required string Agent { get; init; }

    public string? Tool { get; init; }

    public string? Connector { get; init; }

    public string? RequestId { get; init; }

    public required string Decision { get; init; }

    public IReadOnlyList<string>? FailingControls { get; init; }

    /// <summary>The explanation object, as read back from a journal; null in a record the journal has just sealed (see <see cref="ExplanationJson"/>).</summary>
    public JsonElement? Explanation { get; init; }

    /// <summary>
    /// The explanation as the entry carried it (UTF-8 JSON), for sealing: a record sealed from an entry
    /// keeps it here instead of parsing it into <see cref="Explanation"/>. Empty in records read back.
    /// </summary>
    internal ReadOnlyMemory<byte> ExplanationJson { get; init; }

    public string? PolicyDigest { get; init; }

    public string? IntentDigest { get; init; }

    public int StatusCode { get; init; }

    public bool Invoked { get; init; }

    public IReadOnlyDictionary<string, int>? Redactions { get; init; }

    public int? UpstreamStatus { get; init; }

    public double? LatencyMs { get; init; }

    public string? ApprovalId { get; init; }

    public string? Actor { get; init; }

    public bool? Simulated { get; init; }

    /// <summary>The replica whose chain holds the record (one chain per tenant per replica); null in records written before partitions.</summary>
    public string? Replica { get; init; }

    public required string PrevHash { get; init; }

    /// <summary>Null only while the hash is being computed.</summary>
    public string? Hash { get; init; }

    internal static AuditRecord From(AuditEntry entry, string replica, long seq, DateTimeOffset time, string prevHash) => new()
    {
        Seq = seq,
        Time = time,
        Tenant = entry.Tenant,
        Workspace = entry.Workspace,
        Agent = entry.Agent,
        Tool = entry.Tool,
        Connector = entry.Connector,
        RequestId = entry.RequestId,
        Decision = entry.Decision,
        FailingControls = entry.FailingControls,
        ExplanationJson = entry.Explanation,
        PolicyDigest = entry.PolicyDigest,
        IntentDigest = entry.IntentDigest,
        StatusCode = entry.StatusCode,
        Invoked = entry.Invoked,
        Redactions = entry.Redactions,
        UpstreamStatus = entry.UpstreamStatus,
        LatencyMs = entry.LatencyMs,
        ApprovalId = entry.ApprovalId,
        Actor = entry.Actor,
        Simulated = entry.Simulated,
        Replica = replica,
        PrevHash = prevHash,
    };
}
