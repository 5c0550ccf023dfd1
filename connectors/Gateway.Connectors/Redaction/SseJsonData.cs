using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// The JSON of SSE <c>data:</c> fields, read once on its UTF-8 bytes: member names and card numbers are
/// redacted as <see cref="JsonRedactor"/> redacts them, everything is written compactly, and each string
/// value is found with its stream key and the place of its token in the written bytes. The key is its JSON
/// path (<c>$.choices[0].delta.content</c>) with the identity of the element or item it belongs to in place of
/// position: an array element's <c>index</c> member (a chat or completions choice, a tool call) stands for its
/// position, and the Responses API's <c>item_id</c>, <c>output_index</c>, <c>content_index</c> and
/// <c>summary_index</c> follow the object that holds them (<c>${output_index=1}{content_index=0}.delta</c>), so
/// that choices or items streamed interleaved at one path are each read as a text of their own. An element or
/// item that says it is finished (a <c>finish_reason</c>, a <c>type</c> ending in <c>.done</c>) is recorded in
/// <see cref="HeldEvent.Completed"/>. Values that stream across events, or that could hold something sensitive, go to
/// <see cref="SplitValueHoldback"/>; a released event is written back with the values it changed
/// spliced in, the rest of its bytes copied. One per stream (it keeps its buffers and the member names
/// and paths seen so far, bounded); not thread-safe.
/// </summary>
internal sealed class SseJsonData : IJsonTokenHandler
{
    // As deep as JsonNode.Parse read it before: deeper data stays text, as it did.
    private const int MaxDepth = 64;
    private const int MaxCached = 256;
    private const int MaxCachedLength = 128;

    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Skip, MaxDepth = MaxDepth };
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly RedactionCounts _counts;
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _writer;
    private readonly SseJsonFrame[] _frames = new SseJsonFrame[MaxDepth + 2];
    private readonly List<Found> _found = [];
    private readonly List<string> _completed = [];

    // Paths seen (with whether they stream), and member names and complete values that needed no
    // redaction (the id, model and object every chunk repeats): neither a string nor a match per token.
    private readonly Dictionary<string, bool> _paths = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool>.AlternateLookup<ReadOnlySpan<char>> _pathLookup;
    private readonly HashSet<string> _clean = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _cleanLookup;

    private char[] _path = new char[128];
    private char[] _chars = new char[256];
    private int _pathLength;
    private int _depth;
    private int _otherChars;

    public SseJsonData(RedactionCounts counts)
    {
        _counts = counts;
        _writer = new Utf8JsonWriter(_buffer, WriterOptions);
        _pathLookup = _paths.GetAlternateLookup<ReadOnlySpan<char>>();
        _cleanLookup = _clean.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Whether <paramref name="data"/> starts like a JSON object or array (after JSON whitespace).</summary>
    public static bool LooksLikeJson(ReadOnlySpan<byte> data)
    {
        var trimmed = data.TrimStart(" \t\r\n"u8);
        return !trimmed.IsEmpty && trimmed[0] is (byte)'{' or (byte)'[';
    }

    /// <summary>The event with its data read as JSON; null when the data is not JSON (it is then text).</summary>
    public HeldEvent? Read(ReadOnlySpan<byte> data, IReadOnlyList<string> fields, int dataIndex, bool terminated)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        _found.Clear();
        _completed.Clear();
        _path[0] = '$';
        _pathLength = 1;
        _depth = 0;
        _otherChars = 0;
        try
        {
            JsonTokenWalk.Run(data, ReaderOptions, _writer, this);
            _writer.Flush();
        }
        catch (JsonException)
        {
            return null;
        }

        var json = ArrayPool<byte>.Shared.Rent(_buffer.WrittenCount);
        _buffer.WrittenSpan.CopyTo(json);
        var values = new HeldValue[_found.Count];
        for (var i = 0; i < values.Length; i++)
        {
            // A value in an array is written after its separator.
            var (path, streamed, value, start, end) = _found[i];
            start += json[start] == (byte)',' ? 1 : 0;
            values[i] = new HeldValue(path, streamed, value, start, end - start);
        }

        return new HeldEvent(fields, dataIndex, terminated)
        {
            Json = json, JsonLength = _buffer.WrittenCount, Values = values, OtherChars = _otherChars,
            Completed = _completed.Count == 0 ? [] : [.. _completed],
        };
    }

    /// <summary>Writes the event's JSON with the values the hold-back changed, and returns its buffer to the pool.</summary>
    public void Write(HeldEvent held, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(held.Json);
        var json = held.Json.AsSpan(0, held.JsonLength);
        var copied = 0;
        foreach (var value in held.Values)
        {
            if (!value.Changed)
            {
                continue;
            }

            output.Write(json[copied..value.Start]);
            _writer.Reset(output);
            _writer.WriteStringValue(value.Value);
            _writer.Flush();
            copied = value.Start + value.Length;
        }

        output.Write(json[copied..]);
        // Cleared: it held string values before their redaction, and the pool is shared across streams.
        ArrayPool<byte>.Shared.Return(held.Json, clearArray: true);
    }

    /// <inheritdoc/>
    void IJsonTokenHandler.BeginContainer(bool isArray)
    {
        var element = _depth > 0 && _frames[_depth - 1].IsArray ? _frames[_depth - 1].PathLength : -1;
        _frames[_depth++] = new SseJsonFrame(isArray, _pathLength) { ArrayPathLength = element, FoundStart = _found.Count, CompletedStart = _completed.Count };
    }

    /// <inheritdoc/>
    void IJsonTokenHandler.EndContainer()
    {
        ref var frame = ref _frames[--_depth];
        if (frame.HasIdentity)
        {
            Identify(ref frame);
        }
    }

    // The values (and finished prefixes) found in an object with an identity get its key in place of its path.
    private void Identify(ref SseJsonFrame frame)
    {
        var key = frame.Key(_path);
        if (!key.AsSpan().SequenceEqual(_path.AsSpan(0, frame.PathLength)))
        {
            for (var i = frame.FoundStart; i < _found.Count; i++)
            {
                _found[i] = _found[i] with { Path = key + _found[i].Path[frame.PathLength..] };
            }

            for (var i = frame.CompletedStart; i < _completed.Count; i++)
            {
                _completed[i] = key + _completed[i][frame.PathLength..];
            }
        }

        if (frame.Done)
        {
            _completed.Add(key);
        }
    }

    /// <inheritdoc/>
    void IJsonTokenHandler.WritePropertyName(ref Utf8JsonReader reader, Utf8JsonWriter writer)
    {
        var name = MemberName(ref reader);
        _pathLength = _frames[_depth - 1].PathLength;
        Append(".");
        Append(name);
        writer.WritePropertyName(name);
        if (!_frames[_depth - 1].IsArray && SseJsonFrame.IsIdentityMember(name))
        {
            _frames[_depth - 1].Note(name, reader);
        }
    }

    /// <inheritdoc/>
    void IJsonTokenHandler.WriteString(ref Utf8JsonReader reader, Utf8JsonWriter writer)
    {
        var length = reader.CopyString(Chars(reader.ValueSpan.Length));
        _otherChars += StringValue(_chars.AsSpan(0, length), null);
    }

    /// <inheritdoc/>
    void IJsonTokenHandler.WriteCardNumber(Utf8JsonWriter writer)
    {
        _counts.Add(RedactionKind.CardNumber);
        var replacement = RedactionKind.CardNumber.Replacement();
        _otherChars += StringValue(replacement, replacement);
    }

    // A string value: held when it streams or could match; otherwise written and only counted.
    private int StringValue(ReadOnlySpan<char> value, string? text)
    {
        if (!_pathLookup.TryGetValue(_path.AsSpan(0, _pathLength), out var path, out var streamed))
        {
            path = new string(_path, 0, _pathLength);
            streamed = SplitValueHoldback.IsStreamed(path);
            if (_paths.Count < MaxCached)
            {
                _paths.Add(path, streamed);
            }
        }

        if (!streamed && IsClean(value))
        {
            _writer.WriteStringValue(value);
            return value.Length;
        }

        text ??= value.ToString();
        var start = _writer.BytesCommitted + _writer.BytesPending;
        _writer.WriteStringValue(text);
        _found.Add(new Found(path, streamed, text, (int)start, (int)(_writer.BytesCommitted + _writer.BytesPending)));
        return 0;
    }

    private bool IsClean(ReadOnlySpan<char> value)
    {
        if (_cleanLookup.Contains(value))
        {
            return true;
        }

        if (TextRedactor.MayRedact(value, _counts))
        {
            return false;
        }

        if (value.Length <= MaxCachedLength && _clean.Count < MaxCached)
        {
            _cleanLookup.Add(value);
        }

        return true;
    }

    // The member name, redacted; names seen before that needed nothing are not decoded into a new string.
    private string MemberName(ref Utf8JsonReader reader)
    {
        var chars = _chars.AsSpan(0, reader.CopyString(Chars(reader.ValueSpan.Length)));
        if (_cleanLookup.TryGetValue(chars, out var clean))
        {
            return clean;
        }

        var name = chars.ToString();
        var redacted = TextRedactor.Redact(name, _counts);
        if (ReferenceEquals(redacted, name) && name.Length <= MaxCachedLength && _clean.Count < MaxCached)
        {
            _clean.Add(name);
        }

        return redacted;
    }

    /// <inheritdoc/>
    /// <remarks>An array element's path is its array's with the index appended.</remarks>
    void IJsonTokenHandler.BeginValue()
    {
        if (_depth == 0 || !_frames[_depth - 1].IsArray)
        {
            return;
        }

        ref var frame = ref _frames[_depth - 1];
        _pathLength = frame.PathLength;
        Append("[");
        EnsurePath(11);
        frame.Count.TryFormat(_path.AsSpan(_pathLength), out var written, provider: CultureInfo.InvariantCulture);
        _pathLength += written;
        frame.Count++;
        Append("]");
    }

    private void Append(ReadOnlySpan<char> text)
    {
        EnsurePath(text.Length);
        text.CopyTo(_path.AsSpan(_pathLength));
        _pathLength += text.Length;
    }

    private void EnsurePath(int more)
    {
        if (_pathLength + more > _path.Length)
        {
            Array.Resize(ref _path, Math.Max(_path.Length * 2, _pathLength + more));
        }
    }

    // Room for a token of utf8Length bytes decoded (never more characters than bytes).
    private Span<char> Chars(int utf8Length)
    {
        if (_chars.Length < utf8Length)
        {
            _chars = new char[Math.Max(_chars.Length * 2, utf8Length)];
        }

        return _chars;
    }

    private readonly record struct Found(string Path, bool Streamed, string Value, int Start, int End);
}
