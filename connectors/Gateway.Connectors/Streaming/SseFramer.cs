using System.Buffers;
using System.Runtime.InteropServices;

namespace Gateway.Connectors.Streaming;

/// <summary>
/// The one framing of <c>text/event-stream</c> bodies, as the SSE specification frames them: bytes go in a
/// chunk at a time (<see cref="TryRead"/>), whole events (<see cref="SseEvent"/>) come out. A line ends in
/// CRLF, LF or CR (a CRLF split between chunks is one line end), a blank line ends an event, and a UTF-8
/// byte order mark that opens the stream is no part of its first line. An event is buffered until it is
/// complete, up to a limit: a larger one throws <see cref="InvalidDataException"/> (fail closed, nothing of
/// it read). A complete body is read with <see cref="Enumerate"/>. One per stream; not thread-safe.
/// </summary>
public sealed class SseFramer
{
    private static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    // The current event's lines, as received (UTF-8), and where each lies in it (without its line end).
    private readonly ArrayBufferWriter<byte> _eventBytes = new(1024);
    private readonly List<Range> _lines = [];
    private readonly int _maxEventBytes;
    private readonly string _oversizedEventMessage;
    private ArrayBufferWriter<byte>? _joinedData;
    private int _eventSize;
    private int _lineStart;
    private int _firstDataLine = -1;
    private int _dataLines;
    private bool _afterCarriageReturn;
    private bool _atStreamStart = true;
    private bool _eventRead;

    /// <param name="maxEventBytes">The most bytes an event may have, its line ends counted.</param>
    /// <param name="oversizedEventMessage">The message of the exception for an event over the limit.</param>
    public SseFramer(int maxEventBytes, string? oversizedEventMessage = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEventBytes);
        _maxEventBytes = maxEventBytes;
        _oversizedEventMessage = oversizedEventMessage ?? $"A server-sent event is larger than {maxEventBytes} bytes.";
    }

    /// <summary>
    /// The events of a complete body, in order (<c>foreach (var sseEvent in SseFramer.Enumerate(body))</c>),
    /// its unterminated last event included; the body is already bounded, so its events are not.
    /// </summary>
    public static SseEventEnumerator Enumerate(ReadOnlySpan<byte> body) => new(new SseFramer(int.MaxValue), body);

    /// <summary>
    /// Reads <paramref name="input"/> up to the end of the next event: true with the event when one ended
    /// (<paramref name="input"/> is left at what follows it), false when the input ran out first (all of it
    /// taken; the partial event waits for the next chunk). The event is valid until the next call.
    /// </summary>
    public bool TryRead(scoped ref ReadOnlySpan<byte> input, out SseEvent sseEvent)
    {
        ClearReadEvent();
        while (!input.IsEmpty)
        {
            if (_afterCarriageReturn)
            {
                // The LF of a CRLF: the line has already ended.
                _afterCarriageReturn = false;
                if (input[0] == (byte)'\n')
                {
                    input = input[1..];
                    continue;
                }
            }

            var lineEnd = input.IndexOfAny((byte)'\r', (byte)'\n');
            var part = lineEnd < 0 ? input : input[..lineEnd];
            _eventSize += part.Length + (lineEnd < 0 ? 0 : 1);
            if (_eventSize > _maxEventBytes)
            {
                throw new InvalidDataException(_oversizedEventMessage);
            }

            _eventBytes.Write(part);
            if (lineEnd < 0)
            {
                input = [];
                break;
            }

            _afterCarriageReturn = input[lineEnd] == (byte)'\r';
            input = input[(lineEnd + 1)..];
            var start = LineStart();
            if (_eventBytes.WrittenCount == start)
            {
                sseEvent = ReadEvent(terminated: true);
                return true;
            }

            AddLine(start);
        }

        sseEvent = default;
        return false;
    }

    /// <summary>Ends the stream: true with its last event when one is pending that no blank line ended.</summary>
    public bool TryReadLast(out SseEvent sseEvent)
    {
        ClearReadEvent();
        var start = LineStart();
        if (_eventBytes.WrittenCount > start)
        {
            // The last line, unterminated: kept as it came.
            AddLine(start);
        }

        if (_lines.Count == 0)
        {
            sseEvent = default;
            return false;
        }

        sseEvent = ReadEvent(terminated: false);
        return true;
    }

    // Where the current line starts: past the byte order mark when it is the stream's first line.
    private int LineStart()
    {
        var start = _lineStart;
        if (_atStreamStart)
        {
            _atStreamStart = false;
            if (_eventBytes.WrittenSpan[start..].StartsWith(ByteOrderMark))
            {
                start += ByteOrderMark.Length;
            }
        }

        return start;
    }

    private void AddLine(int start)
    {
        var end = _eventBytes.WrittenCount;
        if (SseField.IsData(_eventBytes.WrittenSpan[start..end]))
        {
            _firstDataLine = _firstDataLine < 0 ? _lines.Count : _firstDataLine;
            _dataLines++;
        }

        _lines.Add(start..end);
        _lineStart = end;
    }

    private SseEvent ReadEvent(bool terminated)
    {
        _eventRead = true;
        var bytes = _eventBytes.WrittenSpan;
        var lines = CollectionsMarshal.AsSpan(_lines);
        var data = _dataLines switch
        {
            0 => [],
            1 => SseField.Value(bytes[lines[_firstDataLine]]),
            _ => JoinData(bytes, lines),
        };
        return new SseEvent(bytes, lines, _firstDataLine, data, terminated);
    }

    // The values of several data lines joined by \n, as the specification builds the data buffer.
    private ReadOnlySpan<byte> JoinData(ReadOnlySpan<byte> bytes, ReadOnlySpan<Range> lines)
    {
        _joinedData ??= new ArrayBufferWriter<byte>(1024);
        _joinedData.ResetWrittenCount();
        for (var i = _firstDataLine; i < lines.Length; i++)
        {
            var line = bytes[lines[i]];
            if (!SseField.IsData(line))
            {
                continue;
            }

            if (i > _firstDataLine)
            {
                _joinedData.Write("\n"u8);
            }

            _joinedData.Write(SseField.Value(line));
        }

        return _joinedData.WrittenSpan;
    }

    // The event handed out last is done with once the caller reads on.
    private void ClearReadEvent()
    {
        if (!_eventRead)
        {
            return;
        }

        _eventRead = false;
        _eventBytes.ResetWrittenCount();
        _lines.Clear();
        _lineStart = 0;
        _eventSize = 0;
        _firstDataLine = -1;
        _dataLines = 0;
    }
}
