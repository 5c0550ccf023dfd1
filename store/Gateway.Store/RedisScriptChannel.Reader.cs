using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace Gateway.Store;

/// <summary>The channel's reader thread: how it connects, and how it reads the replies and completes the calls.</summary>
internal sealed partial class RedisScriptChannel
{
    // A blocking socket connected to the first of addresses that accepts within the deadline. The connection is made without
    // blocking, and waited for in slices, so that the deadline is seen even while a server does not answer at all.
    private static Socket Connect(IPAddress[] addresses, int port, int sendTimeout, CancellationToken deadline)
    {
        Exception? refused = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, SendTimeout = sendTimeout, Blocking = false };
            try
            {
                try
                {
                    socket.Connect(address, port);
                }
                catch (SocketException ex) when (ex.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
                {
                    while (!socket.Poll(ConnectSliceMicroseconds, SelectMode.SelectWrite) && !socket.Poll(0, SelectMode.SelectError))
                    {
                        deadline.ThrowIfCancellationRequested();
                    }

                    if (socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error) is int error && error != 0)
                    {
                        throw new SocketException(error);
                    }
                }

                socket.Blocking = true;
                return socket;
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                refused = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw refused ?? new SocketException((int)SocketError.HostNotFound);
    }

    // The one reader: each reply completes the oldest call waiting, on this thread, until the connection fails.
    private void ReadReplies()
    {
        try
        {
            while (true)
            {
                var (reply, error) = ReadReply();
                TaskCompletionSource<byte[]>? call;
                lock (_gate)
                {
                    _pending.TryDequeue(out call);
                }

                if (call is null)
                {
                    throw new InvalidDataException("Redis sent a reply no call asked for.");
                }

                if (error is null)
                {
                    call.TrySetResult(reply);
                }
                else
                {
                    call.TrySetException(new RedisServerException(RedisErrorKind.Unknown, CommandFlags.None, error));
                }
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    // The next reply: a string's bytes, or an error reply's text.
    private (byte[] Reply, string? Error) ReadReply()
    {
        var line = ReadLine();
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

                Fill(length + 2);
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
    private (int Start, int Length) ReadLine()
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

            Receive(_end - _start + 1);
        }
    }

    // At least count unread bytes in the buffer.
    private void Fill(int count)
    {
        while (_end - _start < count)
        {
            Receive(count);
        }
    }

    // Blocks until Redis sends more; a closed connection (by Redis, or by Fail disposing the socket) ends the reader.
    private void Receive(int wanted)
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

        var received = _socket.Receive(_input.AsSpan(_end), SocketFlags.None);
        if (received == 0)
        {
            throw new IOException("Redis closed the connection.");
        }

        _end += received;
    }
}
