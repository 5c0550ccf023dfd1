using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Gateway.Audit;

/// <summary>
/// A search of a tenant's records across its chains: every given filter must match (exact values;
/// <see cref="From"/> inclusive, <see cref="To"/> exclusive). Results come in (time, replica, seq)
/// order, or the reverse with <see cref="NewestFirst"/>, <see cref="Limit"/> at a time; <see cref="After"/> is the
/// previous page's cursor: the page goes on past it in the query's order (older records when newest first).
/// </summary>
public sealed record AuditQuery
{
    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    public string? Agent { get; init; }

    public string? Decision { get; init; }

    public string? Tool { get; init; }

    /// <summary>
    /// A request's id: matches the record whose <c>request_id</c> it is, and a record standing for several requests that
    /// lists it (in <c>request_ids</c>, or as the <c>request_id</c> of one of its <c>outcomes</c> or <c>decisions</c>).
    /// </summary>
    public string? RequestId { get; init; }

    /// <summary>A run's id: the records of the requests that acted in it and the run's own records (started, events, cancelled).</summary>
    public string? RunId { get; init; }

    public int Limit { get; init; } = 100;

    public AuditCursor? After { get; init; }

    /// <summary>The newest records first (the console's journal): (time, replica, seq) descending.</summary>
    public bool NewestFirst { get; init; }
}

/// <summary>A position in (time, replica, seq) order; opaque to clients (base64url).</summary>
public sealed record AuditCursor(DateTimeOffset Time, string Replica, long Seq) : IComparable<AuditCursor>
{
    public int CompareTo(AuditCursor? other)
    {
        if (other is null)
        {
            return 1;
        }

        var byTime = Time.UtcTicks.CompareTo(other.Time.UtcTicks);
        if (byTime != 0)
        {
            return byTime;
        }

        var byReplica = string.CompareOrdinal(Replica, other.Replica);
        return byReplica != 0 ? byReplica : Seq.CompareTo(other.Seq);
    }

    public string Encode() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Time.UtcTicks}:{Seq}:{Replica}")));

    /// <summary>The cursor <paramref name="text"/> names (what <see cref="Encode"/> gave); false for anything else, never an exception.</summary>
    public static bool TryDecode(string? text, out AuditCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(text) || text.Length > 200)
        {
            return false;
        }

        // The status form of the decoder: a character outside the alphabet or a wrong length is InvalidData, not a FormatException.
        Span<byte> bytes = stackalloc byte[Base64Url.GetMaxDecodedLength(text.Length)];
        if (Base64Url.DecodeFromChars(text, bytes, out _, out var written) != OperationStatus.Done)
        {
            return false;
        }

        var parts = Encoding.UTF8.GetString(bytes[..written]).Split(':', 3);
        if (parts.Length == 3
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks <= DateTimeOffset.MaxValue.UtcTicks
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            && AuditPartition.IsValidReplica(parts[2]))
        {
            cursor = new AuditCursor(new DateTimeOffset(ticks, TimeSpan.Zero), parts[2], seq);
            return true;
        }

        return false;
    }
}

/// <summary>One page of an <see cref="AuditQuery"/>: the records as stored, and the cursor of the next page (null: the last).</summary>
public sealed record AuditQueryPage(IReadOnlyList<System.Text.Json.JsonElement> Records, AuditCursor? Next)
{
    /// <summary>The position of the page's first record (null when it has none): the cursor to page back from it.</summary>
    public AuditCursor? First { get; init; }
}

/// <summary>A sink that answers <see cref="AuditQuery"/> itself (from an index) instead of the journal scanning every chain.</summary>
public interface IAuditQuerySource
{
    ValueTask<AuditQueryPage> QueryAsync(string tenant, AuditQuery query, CancellationToken cancellationToken = default);
}
