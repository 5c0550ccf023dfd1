using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Connectors.Streaming;

namespace Gateway.Proxy.Forward;

/// <summary>
/// An MCP server's answer on its own route, before the listings' filter and the redactor: each
/// <c>notifications/resources/updated</c> it carries is passed on only while the caller may still be told of the resource
/// its <c>params.uri</c> names (the check <c>/mcp</c> makes of each update, <c>McpResourceSubscriptions.MayHearAsync</c>: the
/// server and the read of the resource permitted under the policy in force now, no kill switch stopping the caller); one that
/// may not, or names no resource, is dropped. Every other message passes as it came. An event stream is framed here
/// (<see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>, awaiting the check of an update, then the events after
/// it); its unterminated last event is written by <see cref="Tail"/>, first of the body's transforms, when the body completes
/// (an update among them dropped: a client dispatches no unterminated event). Only an event whose message names the method
/// is parsed. A JSON answer, held whole, is cleared by <see cref="ClearJsonAsync"/>. The check is built from its state at
/// the first update seen, so an answer that carries none never builds it.
/// </summary>
internal sealed class McpResourceUpdateGate : Stream
{
    private const string UpdatedMethod = "notifications/resources/updated";

    private readonly Func<object, Func<string, CancellationToken, ValueTask<bool>>> _check;
    private readonly object _state;
    private Func<string, CancellationToken, ValueTask<bool>>? _mayHear;
    private readonly SseFramer _framer = new(ToolsListFilterLimit);
    // The events that pass as they came, and the update held while it is checked: pooled, returned once the body completes.
    private readonly PooledBufferWriter _passing = new(4096);
    private readonly PooledBufferWriter _held = new(1024);
    private InvalidDataException? _oversized;
    private Stream _inner = Null;

    /// <param name="check">Builds, from <paramref name="state"/>, whether the caller may be told of an update of the resource named.</param>
    /// <param name="state">What <paramref name="check"/> builds it from.</param>
    public McpResourceUpdateGate(Func<object, Func<string, CancellationToken, ValueTask<bool>>> check, object state)
    {
        _check = check ?? throw new ArgumentNullException(nameof(check));
        _state = state ?? throw new ArgumentNullException(nameof(state));
        Tail = new TailTransform(this);
    }

    /// <summary>The gate, sending what passes to <paramref name="inner"/> (the body's transforms, <see cref="Tail"/> first among them).</summary>
    public Stream Into(Stream inner)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        return this;
    }

    /// <summary>The largest event framed, as the listings' filter frames them.</summary>
    private const int ToolsListFilterLimit = 4 * 1024 * 1024;

    /// <summary>The first of the body's transforms: passes what the gate wrote, and at the body's end its unterminated last event.</summary>
    public IBodyTransform Tail { get; }

    /// <inheritdoc/>
    public override bool CanRead => false;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => true;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>
    /// A JSON answer (one message or a batch), read whole: unchanged when it carries no update the caller may not be told
    /// of; else without it (an empty body when nothing is left).
    /// </summary>
    public static async ValueTask<byte[]> ClearJsonAsync(byte[] body, Func<object, Func<string, CancellationToken, ValueTask<bool>>> check, object state, CancellationToken cancellationToken) =>
        NamesUpdate(body) ? await ClearAsync(body, check(state), cancellationToken).ConfigureAwait(false) ?? [] : body;

    /// <inheritdoc/>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var rest = buffer;
        while (!rest.IsEmpty && _oversized is null)
        {
            var update = Frame(ref rest);
            if (_passing.WrittenCount > 0)
            {
                await _inner.WriteAsync(_passing.WrittenMemory, cancellationToken).ConfigureAwait(false);
                _passing.ResetWrittenCount();
            }

            if (update is { } data && await ClearAsync(data, _mayHear ??= _check(_state), cancellationToken).ConfigureAwait(false) is { } cleared)
            {
                var passed = ReferenceEquals(cleared, data) ? _held : Rewritten(cleared);
                await _inner.WriteAsync(passed.WrittenMemory, cancellationToken).ConfigureAwait(false);
                _passing.ResetWrittenCount();
            }

            _held.ResetWrittenCount();
        }
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override void Flush() => _inner.Flush();

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>
    /// Frames <paramref name="rest"/>: each whole event that names no update goes to <see cref="_passing"/>; at the first that
    /// does, it is held (<see cref="_held"/>), <paramref name="rest"/> left at what follows it, and its data returned.
    /// </summary>
    private byte[]? Frame(ref ReadOnlyMemory<byte> rest)
    {
        var input = rest.Span;
        try
        {
            while (_framer.TryRead(ref input, out var sseEvent))
            {
                if (sseEvent.HasData && NamesUpdate(sseEvent.Data))
                {
                    sseEvent.WriteTo(_held);
                    var data = sseEvent.Data.ToArray();
                    rest = rest[(rest.Length - input.Length)..];
                    return data;
                }

                sseEvent.WriteTo(_passing);
            }
        }
        catch (InvalidDataException ex)
        {
            // Over the limit: nothing more is passed on, and the body fails at its end, as the listings' filter fails it.
            _oversized = ex;
        }

        rest = ReadOnlyMemory<byte>.Empty;
        return null;
    }

    /// <summary>The held event with its data replaced by <paramref name="data"/> (a batch less the updates withheld), written to <see cref="_passing"/>.</summary>
    private PooledBufferWriter Rewritten(byte[] data)
    {
        foreach (var sseEvent in SseFramer.Enumerate(_held.WrittenSpan))
        {
            for (var i = 0; i < sseEvent.LineCount; i++)
            {
                if (!SseField.IsData(sseEvent.Line(i)))
                {
                    _passing.Write(sseEvent.Line(i));
                    _passing.Write("\n"u8);
                }
            }
        }

        _passing.Write("data: "u8);
        _passing.Write(data);
        _passing.Write("\n\n"u8);
        return _passing;
    }

    /// <summary>
    /// True when <paramref name="data"/> holds a message (alone or in a batch) whose method is the update, however its JSON
    /// spells it; read without allocating, and only where the method's name appears as written or an escape could hide it.
    /// </summary>
    private static bool NamesUpdate(ReadOnlySpan<byte> data)
    {
        if (data.IndexOf("resources/updated"u8) < 0 && data.IndexOf((byte)'\\') < 0)
        {
            return false;
        }

        var depth = Depth(data);
        try
        {
            var reader = new Utf8JsonReader(data);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth && reader.ValueTextEquals("method"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(UpdatedMethod))
                    {
                        return true;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the listings' filter refuses it.
        }

        return false;
    }

    /// <summary>The depth of a message's own members: 1 in a message alone, 2 in a batch.</summary>
    private static int Depth(ReadOnlySpan<byte> data) => data.TrimStart(" \t\r\n"u8) is [(byte)'[', ..] ? 2 : 1;

    /// <summary>
    /// <paramref name="data"/>, a message or a batch that names the update: itself when each update in it may be told, null
    /// when none of it is left, else the batch less the updates withheld.
    /// </summary>
    private static async ValueTask<byte[]?> ClearAsync(byte[] data, Func<string, CancellationToken, ValueTask<bool>> mayHear, CancellationToken cancellationToken)
    {
        JsonNode? root;
        List<(int Index, string? Uri)> updates;
        try
        {
            root = JsonNode.Parse(data);
            updates = UpdatesIn(root);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            // Not a message that can be read (a member twice, say): it names the update, so it is withheld.
            return null;
        }

        var withheld = new List<int>();
        foreach (var (index, uri) in updates)
        {
            if (uri is null || !await mayHear(uri, cancellationToken).ConfigureAwait(false))
            {
                withheld.Add(index);
            }
        }

        if (withheld.Count == 0)
        {
            return data;
        }

        if (root is not JsonArray batch)
        {
            return null;
        }

        withheld.Sort();
        for (var i = withheld.Count - 1; i >= 0; i--)
        {
            batch.RemoveAt(withheld[i]);
        }

        return batch.Count == 0 ? null : JsonSerializer.SerializeToUtf8Bytes(batch);
    }

    /// <summary>The updates among <paramref name="root"/>'s messages (a message alone is at index 0), each with the resource it names (<c>params.uri</c>; null when none).</summary>
    private static List<(int Index, string? Uri)> UpdatesIn(JsonNode? root)
    {
        var updates = new List<(int, string?)>();
        var messages = root is JsonArray batch ? [.. batch] : new List<JsonNode?> { root };
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i] is JsonObject message && message["method"] is JsonValue method && method.TryGetValue<string>(out var name) && name == UpdatedMethod)
            {
                updates.Add((i, message["params"] is JsonObject parameters && parameters["uri"] is JsonValue named && named.TryGetValue<string>(out var uri) ? uri : null));
            }
        }

        return updates;
    }

    /// <summary>Passes what the gate wrote; at the body's end, its unterminated last event (not an update), or the oversized event's failure.</summary>
    private sealed class TailTransform(McpResourceUpdateGate gate) : IBodyTransform
    {
        public void Write(ReadOnlySpan<byte> input, IBufferWriter<byte> output) => output.Write(input);

        public void Complete(IBufferWriter<byte> output)
        {
            try
            {
                if (gate._oversized is { } oversized)
                {
                    throw new InvalidDataException(oversized.Message, oversized);
                }

                if (gate._framer.TryReadLast(out var sseEvent) && !(sseEvent.HasData && NamesUpdate(sseEvent.Data)))
                {
                    sseEvent.WriteTo(output);
                }
            }
            finally
            {
                gate._passing.Return();
                gate._held.Return();
            }
        }
    }
}
