using System.Diagnostics;

namespace Gateway.Proxy.Pipeline;

/// <summary>
/// The one per-request feature: the gateway's request id, how refusals are written on this route, and
/// the records the stages add as the request walks the pipeline (authenticated request → described
/// action → admission → decision → recorded decision → forward plan → upstream response, or a refusal).
/// Each record is immutable and added once: a stage reads the records before it and adds its own.
/// </summary>
public sealed class GatewayRequestFeature
{
    private object?[] _records = new object?[RecordSlots.Initial];
    private List<IDisposable>? _held;

    public GatewayRequestFeature(string requestId) => RequestId = requestId;

    /// <summary>The gateway's own id for this request.</summary>
    public string RequestId { get; }

    /// <summary>A well-formed id the client sent, kept for correlation only.</summary>
    public string? ClientRequestId { get; set; }

    /// <summary>The format refusals are written in; set once the route knows its connector's kind.</summary>
    public RefusalDialect Dialect
    {
        get;
        set
        {
            field = value;
            DialectSettled = true;
        }
    }

    /// <summary>Whether a stage has set <see cref="Dialect"/> (before that it is the default, problem+json).</summary>
    public bool DialectSettled { get; private set; }

    /// <summary>For <see cref="RefusalDialect.JsonRpc"/>: the id (raw JSON) of the request being answered.</summary>
    public string? JsonRpcId { get; set; }

    /// <summary>The status and code of the refusal written, when the gateway refused (for telemetry).</summary>
    public int? RefusalStatus { get; private set; }

    public string? RefusalCode { get; private set; }

    public void MarkRefused(int status, string code)
    {
        RefusalStatus = status;
        RefusalCode = code;
    }

    /// <summary>The response header that carries <see cref="Receipt"/>.</summary>
    public const string ReceiptHeader = "Gamut-Receipt";

    /// <summary>
    /// The signed receipt of the request's recorded decision (docs/evidence.md), signed with its audit group and
    /// stored in the group's store call; set once by the Record stage, null before it. Every answer after it carries
    /// it: the <see cref="ReceiptHeader"/> header (restored on a refusal) and the <c>receipt</c> member of the
    /// gateway's answer. Shared here, not on the Record stage's record, because the refusal writer reads it.
    /// </summary>
    public string? Receipt { get; private set; }

    /// <summary>Sets <see cref="Receipt"/>; like a stage's record, it is set once.</summary>
    public void AddReceipt(string receipt)
    {
        ArgumentException.ThrowIfNullOrEmpty(receipt);
        if (Receipt is not null)
        {
            throw new InvalidOperationException("The request already carries a receipt; a decision is recorded once.");
        }

        Receipt = receipt;
    }

    /// <summary>
    /// True once the Authenticate stage took the request up (a signed route, whether it then refused or
    /// not): the request's stages and its total are timed (<c>gateway.request.stage.duration</c>).
    /// </summary>
    public bool Signed { get; set; }

    /// <summary>
    /// When the upstream's response status and headers reached the route's response transform
    /// (<see cref="Stopwatch.GetTimestamp"/>), or 0: where the forward stage's time ends and the
    /// respond stage's begins.
    /// </summary>
    public long UpstreamAnsweredTimestamp { get; private set; }

    /// <summary>Notes that the upstream's response status and headers have arrived (the response transform calls it first).</summary>
    public void MarkUpstreamAnswered() => UpstreamAnsweredTimestamp = Stopwatch.GetTimestamp();

    /// <summary>Adds a stage's record. A record is added once: a second record of the same type is a bug.</summary>
    public void Add<TRecord>(TRecord record)
        where TRecord : class
    {
        ArgumentNullException.ThrowIfNull(record);
        var slot = RecordSlots.Of<TRecord>();
        if (slot >= _records.Length)
        {
            Array.Resize(ref _records, Math.Max(slot + 1, _records.Length * 2));
        }

        if (_records[slot] is not null)
        {
            throw new InvalidOperationException($"The request already carries a {typeof(TRecord).Name}; a stage's record is added once.");
        }

        _records[slot] = record;
    }

    /// <summary>The record an earlier stage added, or null when it did not (it refused, or the route has no such stage).</summary>
    public TRecord? Find<TRecord>()
        where TRecord : class
    {
        var slot = RecordSlots.Of<TRecord>();
        return slot < _records.Length ? (TRecord?)_records[slot] : null;
    }

    /// <summary>
    /// Keeps <paramref name="held"/> (what a stage took up for the request: an MCP call's place among the agent's calls in
    /// flight and its lifetime) until the request is answered: the Respond stage releases it once its answer is written.
    /// </summary>
    public void HoldUntilAnswered(IDisposable held)
    {
        ArgumentNullException.ThrowIfNull(held);
        (_held ??= []).Add(held);
    }

    /// <summary>Releases what <see cref="HoldUntilAnswered"/> kept, the last taken first (the Respond stage calls it once answered).</summary>
    public void ReleaseHeld()
    {
        var held = _held;
        _held = null;
        for (var i = (held?.Count ?? 0) - 1; i >= 0; i--)
        {
            held![i].Dispose();
        }
    }

    /// <summary>The record an earlier stage must have added.</summary>
    public TRecord Get<TRecord>()
        where TRecord : class =>
        Find<TRecord>() ?? throw new InvalidOperationException($"The request carries no {typeof(TRecord).Name}: a stage ran out of order.");
}
