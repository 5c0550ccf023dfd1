using System.Buffers.Text;
using System.Net.Sockets;
using System.Text;

namespace Gateway.Store;

// Reading the replies (RESP2): a line, then a bulk string's bytes, from one input buffer that grows to the longest reply.
internal sealed partial class RedisScriptChannel
{
    // The next reply: a string's bytes, or an error reply's text.
    private async ValueTask<(byte[] Reply, string? Error)> ReadReplyAsync()
    {
        var line = await ReadLineAsync().ConfigureAwait(false);
        var kind = _input[line.Start];
        var text = _input.AsSpan(line.Start + 1, line.Length - 1);
        switch (kind)
        {
            case (byte)'+' or (byte)':':
                return (text.ToArray(), null);
            case (byte)'-':
                return ([], Encoding.UTF8.GetString(text));
            case (byte)'$':
                if (!Utf8Parser.TryParse(text, out int length, out var used) || used != text.Length || length < -1 || length > MaxReplyLength)
                {
                    throw new InvalidDataException("Redis answered with a bulk string of no valid length.");
                }

                if (length == -1)
                {
                    return ([], null);
                }

                await FillAsync(length + 2).ConfigureAwait(false);
                if (_input[_start + length] != (byte)'\r' || _input[_start + length + 1] != (byte)'\n')
                {
                    throw new InvalidDataException("Redis answered with a bulk string that does not end its line.");
                }

                var bulk = _input.AsSpan(_start, length).ToArray();
                _start += length + 2;
                return (bulk, null);
            default:
                throw new InvalidDataException("Redis answered with a reply of another kind than a string or an integer.");
        }
    }

    // The next line of the reply without its CRLF (Start, Length), consumed.
    private async ValueTask<(int Start, int Length)> ReadLineAsync()
    {
        var searched = 0;
        while (true)
        {
            var end = _input.AsSpan(_start + searched, _end - _start - searched).IndexOf("\r\n"u8);
            if (end >= 0)
            {
                var line = (_start, searched + end);
                _start += searched + end + 2;
                return line.Item2 == 0 ? throw new InvalidDataException("Redis answered with an empty line.") : line;
            }

            searched = Math.Max(0, _end - _start - 1);
            if (_end - _start >= MaxReplyLength)
            {
                throw new InvalidDataException("Redis answered with a line too long for a reply of this store.");
            }

            await ReceiveAsync(_end - _start + 1).ConfigureAwait(false);
        }
    }

    // At least count unread bytes in the buffer.
    private async ValueTask FillAsync(int count)
    {
        while (_end - _start < count)
        {
            await ReceiveAsync(count).ConfigureAwait(false);
        }
    }

    private async ValueTask ReceiveAsync(int wanted)
    {
        if (_start > 0)
        {
            _input.AsSpan(_start, _end - _start).CopyTo(_input);
            _end -= _start;
            _start = 0;
        }

        if (_input.Length < wanted || _end == _input.Length)
        {
            Array.Resize(ref _input, Math.Max(wanted, _input.Length * 2));
        }

        var received = _blocking
            ? _socket.Receive(_input.AsSpan(_end), SocketFlags.None)
            : await _socket.ReceiveAsync(_input.AsMemory(_end), SocketFlags.None).ConfigureAwait(false);
        if (received == 0)
        {
            throw new IOException("Redis closed the connection.");
        }

        _end += received;
    }
}
