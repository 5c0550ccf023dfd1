using System.Globalization;
using System.Security.Cryptography;
using Gateway.Store;

namespace Gateway.Proxy.Pipeline;

/// <summary>
/// The event stream of one governed call on <c>/mcp</c>, once its answer becomes one (the server's progress or its requests
/// to the client are relayed before the result): every event gets an id (<c>gamut-call-</c>, 128 random bits, a dot and its
/// number) and is kept in the state store under the calling agent for the session idle timeout before it is written, so
/// that the agent can resume the stream with <c>Last-Event-ID</c> on any replica (<c>Mcp/McpCallStreams.cs</c>). The
/// call outlives its client's connection (the gate detaches it): once the client is gone, events are only kept, and the
/// last one, the answer, ends the stream. Added to the request by the gate for every governed call; one request writes
/// it, one event at a time.
/// </summary>
internal sealed partial class McpCallStream
{
    /// <summary>The start of every stream id the gateway gives.</summary>
    public const string IdPrefix = "gamut-call-";

    /// <summary>Hex digits of a stream id's 128 random bits.</summary>
    private const int HexLength = 32;

    private static readonly int IdLength = IdPrefix.Length + HexLength;

    private readonly string _tenant;
    private readonly string _agent;
    private readonly IStateStore _store;
    private readonly TimeSpan _kept;
    private readonly CancellationToken _clientGone;
    private readonly ILogger _logger;
    private int _sequence;
    private bool _answered;
    private bool _detached;
    private string? _id;

    public McpCallStream(string tenant, string agent, IStateStore store, TimeSpan kept, CancellationToken clientGone, ILogger logger)
    {
        _tenant = tenant;
        _agent = agent;
        _store = store;
        _kept = kept;
        _clientGone = clientGone;
        _logger = logger;
    }

    /// <summary>The stream's id: the part of every event id before the dot (drawn at the first event: most calls never stream).</summary>
    public string Id => _id ??= IdPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(HexLength / 2));

    /// <summary>True when the stream began and its answer was never written (the call failed or was cancelled mid-stream).</summary>
    public bool Unanswered => _sequence > 0 && !_answered;

    /// <summary>
    /// Keeps <paramref name="json"/> (one JSON-RPC message) as the stream's next event and writes it to the client while it
    /// is there, the response becoming an event stream at the first; <paramref name="last"/> marks the answer, after which a
    /// resumed stream ends.
    /// </summary>
    public async Task WriteAsync(HttpResponse response, ReadOnlyMemory<byte> json, bool last, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (!response.HasStarted)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-store";
        }

        var sequence = ++_sequence;
        _answered |= last;
        try
        {
            // Kept even when the call was cancelled: its last event ends a resumed stream (the store's own timeout bounds it).
            await _store.SetAsync(StoreKeys.McpCallEvent(_tenant, _agent, Id, sequence), McpCallEvent.Format(json.Span, last), _kept, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException ex)
        {
            // The client still gets the event; only resuming past it is lost (a resumed stream stops at the gap).
            LogEventNotKept(_logger, Id, sequence, ex);
        }

        if (_detached || _clientGone.IsCancellationRequested)
        {
            _detached = true;
            return;
        }

        try
        {
            await response.Body.WriteAsync(SseMessageEvent.Frame(EventId(Id, sequence), json.Span), cancellationToken).ConfigureAwait(false);
            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // The client went away (or the call was cancelled): what the call sends from here on is only kept.
            _detached = true;
        }
    }

    /// <summary>The id of the stream's event number <paramref name="sequence"/>.</summary>
    public static string EventId(string stream, int sequence) => string.Create(CultureInfo.InvariantCulture, $"{stream}.{sequence}");

    /// <summary>Reads an event id this class gave (<c>Last-Event-ID</c>); false for anything else, another server's ids included.</summary>
    public static bool TryParseEventId(string? eventId, out string stream, out int sequence)
    {
        stream = string.Empty;
        sequence = 0;
        if (eventId is null || eventId.Length <= IdLength + 1 || !eventId.StartsWith(IdPrefix, StringComparison.Ordinal) || eventId[IdLength] != '.')
        {
            return false;
        }

        var hex = eventId.AsSpan(IdPrefix.Length, HexLength);
        if (hex.ContainsAnyExcept("0123456789abcdef")
            || !int.TryParse(eventId.AsSpan(IdLength + 1), NumberStyles.None, CultureInfo.InvariantCulture, out sequence) || sequence < 1)
        {
            return false;
        }

        stream = eventId[..IdLength];
        return true;
    }

    [LoggerMessage(EventId = 4340, Level = LogLevel.Warning, Message = "Event {Sequence} of the /mcp call stream {Stream} could not be kept for resumption")]
    private static partial void LogEventNotKept(ILogger logger, string stream, int sequence, Exception exception);
}
