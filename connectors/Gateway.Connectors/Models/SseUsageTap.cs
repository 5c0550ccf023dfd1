using System.Buffers;
using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Models;

/// <summary>
/// Passes a streamed model response through line by line, each line ending in <c>\n</c> (whatever its line end was: CRLF,
/// LF or CR, as <see cref="SseFramer"/> reads them; a leading byte order mark left out), while reading token usage from each
/// event's <c>data</c> as it arrives (<see cref="JsonUsageScanner"/>, the data lines joined by <c>\n</c> as an SSE client joins
/// them): no event is held, so one of any size (an OpenAI response's <c>response.completed</c>, which repeats the whole
/// answer) still reports its usage. A blank line ends an event.
/// </summary>
internal sealed class SseUsageTap : IBodyTransform
{
    private const int MaxFieldBytes = 8;
    private const int DoneBytes = 16;
    private static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    private readonly ModelUsageAccumulator _usage;
    private readonly JsonUsageScanner _scanner;
    private readonly byte[] _field = new byte[MaxFieldBytes];
    private readonly byte[] _head = new byte[DoneBytes];
    private Line _line = Line.Start;
    private int _fieldLength;
    private int _dataLines;
    private long _dataLength;
    private int _byteOrderMark;
    private bool _afterCarriageReturn;
    private bool _lineOpen;

    public SseUsageTap(ModelUsageAccumulator usage)
    {
        _usage = usage;
        _scanner = new JsonUsageScanner(usage.Kind);
    }

    private enum Line
    {
        Start,
        Field,
        DataValueStart,
        DataValue,
        Other,
    }

    public void Write(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        input = SkipByteOrderMark(input, output);
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
            output.Write(part);
            Read(part);
            if (lineEnd < 0)
            {
                _lineOpen |= !part.IsEmpty;
                return;
            }

            output.Write("\n"u8);
            _lineOpen = false;
            _afterCarriageReturn = input[lineEnd] == (byte)'\r';
            input = input[(lineEnd + 1)..];
            EndLine();
        }
    }

    public void Complete(IBufferWriter<byte> output)
    {
        // The last event, unterminated, counts as the framer hands it on; its last line is ended.
        if (_lineOpen)
        {
            output.Write("\n"u8);
        }

        if (_line != Line.Start)
        {
            EndLine();
        }

        Dispatch();
    }

    // The stream's first bytes, when they are a byte order mark, are no part of its first line.
    private ReadOnlySpan<byte> SkipByteOrderMark(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        while (_byteOrderMark < ByteOrderMark.Length && !input.IsEmpty)
        {
            if (input[0] != ByteOrderMark[_byteOrderMark])
            {
                if (_byteOrderMark > 0)
                {
                    // A partial mark was part of the line after all.
                    output.Write(ByteOrderMark[.._byteOrderMark]);
                    Read(ByteOrderMark[.._byteOrderMark]);
                    _lineOpen = true;
                }

                _byteOrderMark = ByteOrderMark.Length;
                break;
            }

            _byteOrderMark++;
            input = input[1..];
        }

        return input;
    }

    // Part of the current line (no line end in it).
    private void Read(ReadOnlySpan<byte> part)
    {
        while (!part.IsEmpty)
        {
            switch (_line)
            {
                case Line.Start or Line.Field:
                    var colon = part.IndexOf((byte)':');
                    var name = colon < 0 ? part : part[..colon];
                    if (_fieldLength + name.Length > MaxFieldBytes)
                    {
                        _line = Line.Other;
                        return;
                    }

                    name.CopyTo(_field.AsSpan(_fieldLength));
                    _fieldLength += name.Length;
                    _line = Line.Field;
                    if (colon < 0)
                    {
                        return;
                    }

                    part = part[(colon + 1)..];
                    _line = IsData() ? StartData() : Line.Other;
                    break;
                case Line.DataValueStart:
                    // One space after the colon is no part of the value.
                    part = part[0] == (byte)' ' ? part[1..] : part;
                    _line = Line.DataValue;
                    break;
                case Line.DataValue:
                    Data(part);
                    return;
                default:
                    return;
            }
        }
    }

    private void EndLine()
    {
        if (_line == Line.Start)
        {
            // A blank line: the event ends.
            Dispatch();
            return;
        }

        if (_line == Line.Field && IsData())
        {
            // "data" with no colon: a data line with an empty value.
            StartData();
        }

        _line = Line.Start;
        _fieldLength = 0;
    }

    private bool IsData() => _field.AsSpan(0, _fieldLength).SequenceEqual("data"u8);

    private Line StartData()
    {
        if (_dataLines++ > 0)
        {
            Data("\n"u8);
        }

        return Line.DataValueStart;
    }

    private void Data(ReadOnlySpan<byte> value)
    {
        if (_dataLength < DoneBytes)
        {
            value[..(int)Math.Min(value.Length, DoneBytes - _dataLength)].CopyTo(_head.AsSpan((int)_dataLength));
        }

        _dataLength += value.Length;
        _scanner.Write(value);
    }

    // An event ends: the usage its data reported, and whether it ends the stream.
    private void Dispatch()
    {
        if (_dataLines > 0)
        {
            var done = _dataLength <= DoneBytes && ModelStreamEnd.IsDone(_head.AsSpan(0, (int)_dataLength));
            _scanner.Complete();
            _usage.ObserveScanned(_scanner, streamed: true, done);
        }

        _scanner.Reset();
        _dataLines = 0;
        _dataLength = 0;
        _line = Line.Start;
        _fieldLength = 0;
    }
}
