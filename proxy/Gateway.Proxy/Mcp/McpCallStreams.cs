using Gateway.Proxy.Pipeline;
using Gateway.Store;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// The event streams of governed calls on <c>/mcp</c>: each call's is opened by the gate (<see cref="Open"/>), and an agent
/// whose stream was cut resumes it with a <c>GET /mcp</c> carrying the last event id it saw (<see cref="ResumeAsync"/>), on
/// any replica: the events after it are replayed from the state store, then those the call still sends are followed
/// until its answer, which ends the stream. A resumed stream is held open at most <see cref="HoldFor"/>; the agent resumes
/// again from its last event after that.
/// </summary>
internal sealed class McpCallStreams
{
    /// <summary>The longest one resumed stream is held open while the call sends nothing new.</summary>
    public static readonly TimeSpan HoldFor = TimeSpan.FromMinutes(5);

    /// <summary>Events read from the store at once.</summary>
    private const int Batch = 16;

    private static readonly TimeSpan FirstWait = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan LongestWait = TimeSpan.FromMilliseconds(500);

    private readonly IStateStore _store;
    private readonly TimeSpan _kept;
    private readonly TimeProvider _time;
    private readonly ILogger<McpCallStream> _logger;

    public McpCallStreams(IStateStore store, IOptions<McpEndpointOptions> options, TimeProvider time, ILogger<McpCallStream> logger)
    {
        _store = store;
        _kept = options.Value.IdleTimeout;
        _time = time;
        _logger = logger;
    }

    /// <summary>The event stream of the agent's call, written to the client until <paramref name="clientGone"/> fires, kept for the session idle timeout.</summary>
    public McpCallStream Open(string tenant, string agent, CancellationToken clientGone) => new(tenant, agent, _store, _kept, clientGone, _logger);

    /// <summary>
    /// Answers a <c>GET /mcp</c> with <c>Last-Event-ID</c> <paramref name="stream"/>.<paramref name="after"/>: false, with
    /// nothing written, when the agent has no such event (another agent's stream, an expired one, an id never given).
    /// </summary>
    public async Task<bool> ResumeAsync(HttpContext context, string tenant, string agent, string stream, int after)
    {
        var cancellationToken = context.RequestAborted;
        var kept = await _store.GetManyAsync(Keys(tenant, agent, stream, after), cancellationToken).ConfigureAwait(false);
        if (kept[0] is null)
        {
            return false;
        }

        var response = context.Response;
        if (McpCallEvent.IsLast(kept[0]!))
        {
            // The agent saw the answer already: the stream has nothing more.
            response.StatusCode = StatusCodes.Status204NoContent;
            return true;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-store";
        try
        {
            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            var next = after + 1;
            var index = 1;
            var wait = FirstWait;
            var quiet = _time.GetTimestamp();
            while (true)
            {
                for (; index < kept.Count && kept[index] is { } value; index++, next++)
                {
                    var (json, last) = McpCallEvent.Parse(value);
                    await response.Body.WriteAsync(SseMessageEvent.Frame(McpCallStream.EventId(stream, next), json), cancellationToken).ConfigureAwait(false);
                    if (last)
                    {
                        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                        return true;
                    }

                    wait = FirstWait;
                    quiet = _time.GetTimestamp();
                }

                await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (index < kept.Count)
                {
                    // Caught up with the call: wait for what it sends next, ever less often, for a while.
                    if (_time.GetElapsedTime(quiet) >= HoldFor)
                    {
                        return true;
                    }

                    await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                    wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LongestWait.Ticks));
                }

                kept = await _store.GetManyAsync(Keys(tenant, agent, stream, next), cancellationToken).ConfigureAwait(false);
                index = 0;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The agent went away again; it resumes from the last event it saw.
            return true;
        }
    }

    private static string[] Keys(string tenant, string agent, string stream, int from)
    {
        var keys = new string[Batch];
        for (var i = 0; i < Batch; i++)
        {
            keys[i] = StoreKeys.McpCallEvent(tenant, agent, stream, from + i);
        }

        return keys;
    }
}
