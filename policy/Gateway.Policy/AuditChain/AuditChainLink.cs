using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Policy.Canonical;
using Gateway.Policy.Serialization;

namespace Gateway.Policy.AuditChain;

/// <summary>
/// One audit chain (a tenant's records written by one replica) walked record by record: the one check of a
/// record's link, shared by the gateway's <c>audit verify</c> and the offline <c>gatewayctl audit verify --file</c>
/// through <see cref="AuditTenantChains"/>.
/// A record follows when its <c>seq</c> is the next one, its <c>prev_hash</c> is the previous record's hash
/// (or the anchor's, or genesis), and its content (the canonical form without <c>hash</c>) hashes to its
/// <c>hash</c>. The walk starts at genesis or at an anchor (records 1..seq retired; hash is record seq's).
/// </summary>
public sealed class AuditChainLink
{
    /// <summary>64 zeros: the previous hash of a chain's first record.</summary>
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>Starts a walk of <paramref name="replica"/>'s chain after record <paramref name="anchorSeq"/> (0: genesis) whose hash is <paramref name="anchorHash"/>.</summary>
    public AuditChainLink(string replica, long anchorSeq = 0, string anchorHash = GenesisHash)
    {
        ArgumentNullException.ThrowIfNull(replica);
        ArgumentOutOfRangeException.ThrowIfNegative(anchorSeq);
        ArgumentException.ThrowIfNullOrEmpty(anchorHash);
        Replica = replica;
        AnchorSeq = anchorSeq;
        NextSeq = anchorSeq + 1;
        Previous = anchorHash;
    }

    public string Replica { get; }

    /// <summary>The seq of the last retired record the walk starts after (0: genesis).</summary>
    public long AnchorSeq { get; }

    /// <summary>The seq the next record must carry.</summary>
    public long NextSeq { get; private set; }

    /// <summary>The last good hash: the tip so far.</summary>
    public string Previous { get; private set; }

    /// <summary>The records that followed so far.</summary>
    public long Records { get; private set; }

    /// <summary>The seq of the record that broke the chain (null while intact).</summary>
    public long? BrokenAtSeq { get; private set; }

    /// <summary>
    /// Parses a stored line and reads its head (<see cref="TryReadHead"/>); false with the malformed-record
    /// break (<paramref name="malformed"/>) when it is not JSON or lacks a head member. The caller disposes
    /// <paramref name="document"/>.
    /// </summary>
    public static bool TryParse(string line, [NotNullWhen(true)] out JsonDocument? document, out long seq, out string tenant, out string replica, out string hash, out (string Reason, string Detail) malformed)
    {
        seq = 0;
        tenant = replica = hash = string.Empty;
        malformed = default;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException)
        {
            document = null;
            malformed = (AuditBreakReasons.MalformedRecord, "not JSON");
            return false;
        }

        if (!TryReadHead(document.RootElement, out seq, out tenant, out replica, out hash))
        {
            document.Dispose();
            document = null;
            malformed = (AuditBreakReasons.MalformedRecord, "missing seq, tenant, replica or hash");
            return false;
        }

        return true;
    }

    /// <summary>
    /// Reads the members every record carries (<c>seq</c>, <c>tenant</c>, <c>replica</c>, <c>hash</c>); false
    /// when <paramref name="record"/> is not an object or lacks one of them, or one of the strings is not text.
    /// </summary>
    internal static bool TryReadHead(JsonElement record, out long seq, out string tenant, out string replica, out string hash)
    {
        seq = 0;
        tenant = replica = hash = string.Empty;
        if (record.ValueKind != JsonValueKind.Object
            || !record.TryGetProperty("seq", out var seqElement) || seqElement.ValueKind != JsonValueKind.Number || !seqElement.TryGetInt64(out seq)
            || !record.TryGetProperty("tenant", out var tenantElement) || !TryReadText(tenantElement, out var tenantText)
            || !record.TryGetProperty("replica", out var replicaElement) || !TryReadText(replicaElement, out var replicaText)
            || !record.TryGetProperty("hash", out var hashElement) || !TryReadText(hashElement, out var hashText))
        {
            return false;
        }

        tenant = tenantText;
        replica = replicaText;
        hash = hashText;
        return true;
    }

    /// <summary>
    /// Reads a stored line's string member: false when <paramref name="element"/> is not a string or is not text (it
    /// escapes a lone UTF-16 surrogate, <see cref="JsonText"/>, which <see cref="JsonElement.GetString"/> throws on).
    /// </summary>
    public static bool TryReadText(JsonElement element, [NotNullWhen(true)] out string? text)
    {
        text = element.ValueKind == JsonValueKind.String && JsonText.IsText(JsonMarshal.GetRawUtf8Value(element)) ? element.GetString() : null;
        return text is not null;
    }

    /// <summary>
    /// Checks that <paramref name="record"/> (whose head <see cref="TryReadHead"/> read as <paramref name="seq"/>
    /// and <paramref name="hash"/>) is the next link: when it is, the walk moves past it and the result is null;
    /// else the walk stays, <see cref="BrokenAtSeq"/> is set, and the result is one of <see cref="AuditBreakReasons"/> with a detail.
    /// </summary>
    /// <remarks>
    /// <paramref name="content"/>, when given, checks the record's content further once its link and seal hold (the
    /// explanation it refers to): a break it returns breaks the chain at this record.
    /// </remarks>
    public (string Reason, string Detail)? Follow(JsonElement record, long seq, string hash, Func<JsonElement, long, (string Reason, string Detail)?>? content = null)
    {
        ArgumentNullException.ThrowIfNull(hash);
        if (seq != NextSeq)
        {
            BrokenAtSeq = seq;
            return (AuditBreakReasons.SequenceGap, string.Create(CultureInfo.InvariantCulture, $"replica {Replica}: expected seq {NextSeq}, found {seq}"));
        }

        if (!record.TryGetProperty("prev_hash", out var prevHash) || !TryReadText(prevHash, out _))
        {
            return (AuditBreakReasons.MalformedRecord, "missing prev_hash");
        }

        if (!prevHash.ValueEquals(Previous))
        {
            BrokenAtSeq = seq;
            return (AuditBreakReasons.PrevHashMismatch, string.Create(CultureInfo.InvariantCulture, $"replica {Replica} seq {seq}: prev_hash is not the previous record's hash"));
        }

        string computed;
        try
        {
            computed = CanonicalJson.Sha256Hex(record, static (writer, r) => writer.WriteObjectWithout(r, "hash"u8));
        }
        catch (FormatException ex)
        {
            return (AuditBreakReasons.MalformedRecord, ex.Message);
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(computed), Encoding.ASCII.GetBytes(hash)))
        {
            BrokenAtSeq = seq;
            return (AuditBreakReasons.HashMismatch, string.Create(CultureInfo.InvariantCulture, $"replica {Replica} seq {seq}: the record does not hash to its hash (edited)"));
        }

        if (content?.Invoke(record, seq) is { } broken)
        {
            BrokenAtSeq = seq;
            return broken;
        }

        NextSeq = seq + 1;
        Previous = hash;
        Records++;
        return null;
    }
}
