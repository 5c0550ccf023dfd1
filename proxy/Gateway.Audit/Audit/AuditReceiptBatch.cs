using System.Buffers;
using System.Text.Json;

namespace Gateway.Audit;

/// <summary>
/// One signed batch of decision receipts as the journal stores it with its group (<see cref="IAuditStore.TryAppendAsync"/>):
/// the batch's signed root (<see cref="Gateway.Policy.Evidence.ReceiptBatch"/>, a compact JWS), its <c>iat</c>, and its
/// members in batch order, each the seq of the record and the request whose receipt it is. Not the claims: they are
/// rebuilt from the records (<see cref="ReceiptClaims"/>), so a request costs the journal a seq and a request id.
/// </summary>
public sealed record AuditReceiptBatch(string SignedRoot, long IssuedAt, IReadOnlyList<AuditReceiptMember> Members)
{
    private const int MaxRetainedBufferBytes = 64 * 1024;

    // The signed root's characters: those of the string given, or (a batch the chain writer just signed) the prefix of its
    // first receipt, which is the signed root, so that no string of the root alone is made unless SignedRoot is read.
    private ReadOnlyMemory<char> _signedRoot = SignedRoot.AsMemory();
    private string? _signedRootText = SignedRoot;

    /// <summary>A batch whose signed root is <paramref name="signedRoot"/>'s characters (<see cref="Gateway.Policy.Evidence.ReceiptBatch.Sign(IReadOnlyList{Gateway.Policy.Evidence.DecisionReceipt}, Gateway.Policy.Evidence.ReceiptKey, long, out ReadOnlyMemory{char})"/>).</summary>
    internal AuditReceiptBatch(ReadOnlyMemory<char> signedRoot, long issuedAt, IReadOnlyList<AuditReceiptMember> members)
        : this(string.Empty, issuedAt, members)
    {
        _signedRoot = signedRoot;
        _signedRootText = null;
    }

    /// <summary>The batch's signed root, a compact JWS.</summary>
    public string SignedRoot
    {
        get => _signedRootText ??= _signedRoot.ToString();
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            _signedRoot = value.AsMemory();
            _signedRootText = value;
        }
    }

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The seq of the batch's first member (members are in seq order).</summary>
    public long FirstSeq => Members[0].Seq;

    /// <summary>The seq of the batch's last member.</summary>
    public long LastSeq => Members[^1].Seq;

    /// <summary>The batch as one JSON object (<c>iat</c>, <c>members</c> as [seq, request_id] pairs, <c>root</c>), as the file and state-store sinks keep it.</summary>
    public byte[] ToJson()
    {
        // One buffer and writer per thread, reused (a fresh writer grew its buffer for the signed root's worst escaping).
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        var json = t_writer ??= new Utf8JsonWriter(buffer);
        json.Reset(buffer);
        {
            json.WriteStartObject();
            json.WriteNumber("iat", IssuedAt);
            json.WriteStartArray("members");
            foreach (var member in Members)
            {
                json.WriteStartArray();
                json.WriteNumberValue(member.Seq);
                json.WriteStringValue(member.RequestId);
                json.WriteEndArray();
            }

            json.WriteEndArray();
            json.WriteString("root", _signedRoot.Span);
            json.WriteEndObject();
            json.Flush();
        }

        var bytes = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity > MaxRetainedBufferBytes)
        {
            t_buffer = null;
            t_writer = null;
        }

        return bytes;
    }

    /// <summary>Equal when the signed roots read the same (whatever holds them), the times are and the members are the same list.</summary>
    public bool Equals(AuditReceiptBatch? other) =>
        other is not null
        && _signedRoot.Span.SequenceEqual(other._signedRoot.Span)
        && IssuedAt == other.IssuedAt
        && EqualityComparer<IReadOnlyList<AuditReceiptMember>>.Default.Equals(Members, other.Members);

    public override int GetHashCode() => HashCode.Combine(string.GetHashCode(_signedRoot.Span, StringComparison.Ordinal), IssuedAt, Members);

    /// <summary>A batch written by <see cref="ToJson"/>; throws <see cref="InvalidDataException"/> for anything else.</summary>
    public static AuditReceiptBatch Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            var members = new List<AuditReceiptMember>();
            foreach (var member in root.GetProperty("members").EnumerateArray())
            {
                members.Add(new AuditReceiptMember(member[0].GetInt64(), member[1].GetString()!));
            }

            if (members.Count == 0)
            {
                throw new InvalidDataException("A stored receipt batch has no members.");
            }

            return new AuditReceiptBatch(root.GetProperty("root").GetString()!, root.GetProperty("iat").GetInt64(), members);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or FormatException)
        {
            throw new InvalidDataException("A stored receipt batch is malformed.", ex);
        }
    }
}

/// <summary>A member of a stored receipt batch: the record's seq and the request whose receipt it is.</summary>
public readonly record struct AuditReceiptMember(long Seq, string RequestId);
