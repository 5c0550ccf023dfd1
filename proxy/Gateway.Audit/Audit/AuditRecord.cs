using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Gateway.Audit;

/// <summary>
/// One journal line: the entry plus its chain (<see cref="AuditEntry.Tenant"/> and <see cref="Replica"/>), its
/// position in that chain (<see cref="Seq"/>, from 1), time and hash-chain links. <see cref="Hash"/> = lowercase hex SHA-256 over the canonical JSON of the record without
/// <c>hash</c> (object members sorted by ordinal name, no whitespace); the first record's
/// <see cref="PrevHash"/> is 64 zeros.
/// </summary>
public sealed record AuditRecord : AuditEntry
{
    public AuditRecord()
    {
    }

    [SetsRequiredMembers]
    private AuditRecord(AuditEntry entry, string replica, long seq, DateTimeOffset time, string prevHash)
        : base(entry)
    {
        Seq = seq;
        Time = time;
        Replica = replica;
        PrevHash = prevHash;
    }

    [JsonPropertyOrder(-2)]
    public required long Seq { get; init; }

    [JsonPropertyOrder(-1)]
    public required DateTimeOffset Time { get; init; }

    /// <summary>The replica whose chain holds the record (one chain per tenant per replica); null in records written before partitions.</summary>
    [JsonPropertyOrder(1)]
    public string? Replica { get; init; }

    [JsonPropertyOrder(2)]
    public required string PrevHash { get; init; }

    /// <summary>
    /// The digest of the explanation as stored apart from the record (<see cref="AuditExplanation"/>), which the line
    /// carries instead of the explanation; null when the record has none, or was written before digests (inline explanation).
    /// </summary>
    public string? ExplanationDigest { get; init; }

    /// <summary>Null only while the hash is being computed.</summary>
    [JsonPropertyOrder(3)]
    public string? Hash { get; init; }

    /// <summary>
    /// The record's leaf in its chain's Merkle tree: lowercase hex SHA-256(0x00 ‖ its journal line), the line being the
    /// record's canonical JSON with <c>hash</c> (RFC 6962 leaf hash; its index is <see cref="Seq"/> − 1). Known once the
    /// record is sealed; not part of the line.
    /// </summary>
    [JsonIgnore]
    public string? LeafHash { get; init; }

    internal static AuditRecord From(AuditEntry entry, string replica, long seq, DateTimeOffset time, string prevHash) =>
        new(entry, replica, seq, time, prevHash);

    /// <summary>The record sealed: <paramref name="entry"/> at its place in the chain, with its hashes.</summary>
    internal static AuditRecord From(AuditEntry entry, string replica, long seq, DateTimeOffset time, string prevHash, string hash, string? explanationDigest, string leafHash) =>
        new(entry, replica, seq, time, prevHash) { Hash = hash, ExplanationDigest = explanationDigest, LeafHash = leafHash };
}
