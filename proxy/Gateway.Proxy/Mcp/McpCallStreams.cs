using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Gateway.Proxy.Pipeline;
using Gateway.Store;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// The event streams of governed calls on <c>/mcp</c>: each call's is opened by the gate (<see cref="Open"/>), and an agent
/// whose stream was cut resumes it with a <c>GET /mcp</c> carrying the last event id it saw (<see cref="ResumeAsync"/>), on
/// any replica: the events after it are replayed from the state store, then those the call still sends are followed
/// until its answer, which ends the stream. A resumed stream is held open at most <see cref="HoldFor"/>; the agent resumes
/// again from its last event after that. While it waits for the call's next event it reads the store ever less often (up
/// to every <see cref="LongestWait"/>), one event at a time. One resumption of a stream is live on a replica at once, and a
/// registered agent's live resumptions here are bounded by its calls in flight (<see cref="TryHold"/>).
/// </summary>
internal sealed class McpCallStreams
{
    /// <summary>The longest one resumed stream is held open while the call sends nothing new.</summary>
    public static readonly TimeSpan HoldFor = TimeSpan.FromMinutes(5);

    /// <summary>Events read from the store at once.</summary>
    private const int Batch = 16;

    /// <summary>The longest a caught-up resumption waits between two reads of the store.</summary>
    public static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan FirstWait = TimeSpan.FromMilliseconds(25);

    // The resumptions live here: each stream's one, and how many each registered agent has.
    private readonly ConcurrentDictionary<(string Tenant, string Agent, string Stream), byte> _live = new();
    private readonly ConcurrentDictionary<(string Tenant, string Agent), StrongBox<int>> _resuming = new();
    private readonly int _maxPerAgent;
    private readonly IStateStore _store;
    private readonly TimeSpan _kept;
    private readonly TimeProvider _time;
    private readonly ILogger<McpCallStream> _logger;

    public McpCallStreams(IStateStore store, IOptions<McpEndpointOptions> options, TimeProvider time, ILogger<McpCallStream> logger)
    {
        _store = store;
        _kept = options.Value.IdleTimeout;
        _maxPerAgent = options.Value.MaxPendingCallsPerAgent;
        _time = time;
        _logger = logger;
    }

    /// <summary>The event stream of the agent's call, written to the client until <paramref name="clientGone"/> fires, kept for the session idle timeout.</summary>
    public McpCallStream Open(string tenant, string agent, CancellationToken clientGone) => new(tenant, agent, _store, _kept, clientGone, _logger);

    /// <summary>
    /// A place for the resumption of <paramref name="agent"/>'s <paramref name="stream"/> (counted against
    /// <paramref name="registeredAgent"/>), given back when disposed; null when that stream is being resumed here already
    /// (<paramref name="inUse"/>) or the registered agent has as many resumptions live here as it may have calls in flight
    /// (<see cref="McpEndpointOptions.MaxPendingCallsPerAgent"/>; kept apart from its calls, which go on while their client is gone).
    /// </summary>
    public IDisposable? TryHold(string tenant, string agent, string registeredAgent, string stream, out bool inUse)
    {
        var key = (tenant, agent, stream);
        inUse = !_live.TryAdd(key, 0);
        if (inUse)
        {
            return null;
        }

        var count = _resuming.GetOrAdd((tenant, registeredAgent), static _ => new StrongBox<int>());
        if (Interlocked.Increment(ref count.Value) > _maxPerAgent)
        {
            Interlocked.Decrement(ref count.Value);
            _live.TryRemove(key, out _);
            return null;
        }

        return new Hold(this, key, count);
    }

    /// <summary>
    /// Answers a <c>GET /mcp</c> with <c>Last-Event-ID</c> <paramref name="stream"/>.<paramref name="after"/>: false, with
    /// nothing written, when the agent has no such event (another agent's stream, an expired one, an id never given).
    /// </summary>
    public async Task<bool> ResumeAsync(HttpContext context, string tenant, string agent, string stream, int after)
    {
        var cancellationToken = context.RequestAborted;
        var kept = await _store.GetManyAsync(Keys(tenant, agent, stream, after, Batch), cancellationToken).ConfigureAwait(false);
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
                var caughtUp = index < kept.Count;
                if (caughtUp)
                {
                    // Caught up with the call: wait for what it sends next, ever less often, for a while.
                    if (_time.GetElapsedTime(quiet) >= HoldFor)
                    {
                        return true;
                    }

                    await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                    wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LongestWait.Ticks));
                }

                // Caught up, only the next event is asked for; once it is there, the events after it a batch at a time.
                kept = await _store.GetManyAsync(Keys(tenant, agent, stream, next, caughtUp ? 1 : Batch), cancellationToken).ConfigureAwait(false);
                index = 0;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The agent went away again; it resumes from the last event it saw.
            return true;
        }
    }

    private static string[] Keys(string tenant, string agent, string stream, int from, int count)
    {
        var keys = new string[count];
        for (var i = 0; i < count; i++)
        {
            keys[i] = StoreKeys.McpCallEvent(tenant, agent, stream, from + i);
        }

        return keys;
    }

    /// <summary>A live resumption's place: disposed, its stream may be resumed here again and its agent's count drops.</summary>
    private sealed class Hold(McpCallStreams streams, (string Tenant, string Agent, string Stream) key, StrongBox<int> count) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Interlocked.Decrement(ref count.Value);
                streams._live.TryRemove(key, out _);
            }
        }
    }
}
