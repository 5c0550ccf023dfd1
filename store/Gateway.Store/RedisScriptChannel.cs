using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace Gateway.Store;

/// <summary>
/// A connection of its own to a standalone Redis for script calls (RESP2, plain TCP): each command is written with one
/// send on its caller's thread, in the order the calls are made (Redis runs one connection's commands in that order), and
/// one reader takes the replies in turn and completes each call where the socket's receive completed, where the caller
/// goes on. A call costs the thread pool the receive's one work item; StackExchange.Redis queues its writer and the
/// caller's continuation beside it (<see cref="RedisStoreOptions.DirectScriptCalls"/>). With
/// <see cref="RedisStoreOptions.ReplyThread"/> the reader is a thread of its own blocked in the kernel's receive, which
/// completes a call where its reply arrived, or in the thread pool when another reply is due. Any failure but a server's error
/// reply (a deadline, a broken reply, the socket) closes the connection and fails every call on it, so no late reply is
/// ever read as another's.
/// </summary>
internal sealed partial class RedisScriptChannel : IDisposable
{
    /// <summary>The connection's name in <c>CLIENT LIST</c>.</summary>
    public const string ClientName = "gateway-scripts";

    private const int MaxReplyLength = 1 << 20;
    private readonly Socket _socket;
    private readonly bool _blocking;
    private readonly object _gate = new();
    private readonly Queue<TaskCompletionSource<byte[]>> _pending = new();
    private byte[] _output = new byte[4096];
    private byte[] _input = new byte[1024];
    private int _start;
    private int _end;
    private Exception? _failure;

    private RedisScriptChannel(Socket socket, bool blocking)
    {
        _socket = socket;
        _blocking = blocking;
    }

    /// <summary>False once the connection failed or was closed, or when, idle, it has something to read (the server closed it).</summary>
    public bool IsUsable
    {
        get
        {
            lock (_gate)
            {
                if (_failure is not null)
                {
                    return false;
                }

                if (_pending.Count > 0 || !_socket.Poll(0, SelectMode.SelectRead))
                {
                    return true;
                }
            }

            Fail(new IOException("Redis closed the connection while it was idle."));
            return false;
        }
    }

    /// <summary>Connects, authenticates and selects the database, within <paramref name="deadline"/>.</summary>
    public static async ValueTask<RedisScriptChannel> OpenAsync(RedisStoreOptions options, RedisEndpoint endpoint, CancellationToken deadline)
    {
        // A command is sent from the caller's thread: a server that stops reading fails it within the command timeout.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, SendTimeout = (int)Math.Min(int.MaxValue, Math.Ceiling(options.CommandTimeout.TotalMilliseconds)) };
        var channel = new RedisScriptChannel(socket, options.ReplyThread);
        try
        {
            if (options.ReplyThread)
            {
                await channel.StartReplyThreadAsync(endpoint, deadline).ConfigureAwait(false);
            }
            else
            {
                await (IPAddress.TryParse(endpoint.Host, out var address)
                    ? socket.ConnectAsync(address, endpoint.Port, deadline)
                    : socket.ConnectAsync(endpoint.Host, endpoint.Port, deadline)).ConfigureAwait(false);
                _ = channel.ReadRepliesAsync();
            }

            if (!string.IsNullOrEmpty(options.Password))
            {
                string[] auth = string.IsNullOrEmpty(options.User) ? ["AUTH", options.Password] : ["AUTH", options.User, options.Password];
                await channel.CallAsync(auth, [], deadline).ConfigureAwait(false);
            }

            if (options.Database != 0)
            {
                await channel.CallAsync(["SELECT", options.Database.ToString(System.Globalization.CultureInfo.InvariantCulture)], [], deadline).ConfigureAwait(false);
            }

            // Named, so that an operator's CLIENT LIST tells these connections from StackExchange.Redis' ("gateway"); an ACL
            // that forbids it leaves the connection unnamed, as StackExchange.Redis does.
            try
            {
                await channel.CallAsync(["CLIENT", "SETNAME", ClientName], [], deadline).ConfigureAwait(false);
            }
            catch (RedisServerException)
            {
            }

            return channel;
        }
        catch
        {
            channel.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends <paramref name="words"/> then <paramref name="values"/> as one command and waits for its reply: a simple or bulk
    /// string's bytes (empty for a nil), an integer's digits. An error reply throws <see cref="RedisServerException"/> (the
    /// connection stays usable); <paramref name="deadline"/> cancelled throws <see cref="OperationCanceledException"/>;
    /// any other failure throws <see cref="IOException"/>, the cause inside. Both close the connection.
    /// </summary>
    public async Task<byte[]> CallAsync(IReadOnlyList<string> words, IReadOnlyList<RedisValue> values, CancellationToken deadline)
    {
        var reply = new TaskCompletionSource<byte[]>();
        lock (_gate)
        {
            if (_failure is { } failure)
            {
                throw new IOException("The connection to Redis was closed: " + failure.Message, failure);
            }

            _pending.Enqueue(reply);
            try
            {
                Send(words, values);
            }
            catch (Exception ex)
            {
                // Nothing, or part of the command, went out: no reply can be matched to the calls on this connection any more.
                _failure = ex;
            }
        }

        if (_failure is { } unsent)
        {
            Fail(unsent);
        }

        // The deadline's timer thread only queues the failure: the calls' continuations do not run on it.
        using var registration = deadline.UnsafeRegister(
            static state => ThreadPool.UnsafeQueueUserWorkItem(static channel => channel.Fail(new TimeoutException("A call on the connection did not complete within its deadline.")), (RedisScriptChannel)state!, preferLocal: false),
            this);
        try
        {
            return await reply.Task.ConfigureAwait(false);
        }
        catch (IOException ex) when (deadline.IsCancellationRequested)
        {
            throw new OperationCanceledException("The call did not complete within its deadline.", ex, deadline);
        }
    }

    public void Dispose() => Fail(new ObjectDisposedException(nameof(RedisScriptChannel)));

    // Connects with a blocking call on the reply thread, which then reads the replies until the connection fails; a deadline
    // missed disposes the socket (OpenAsync), which unblocks the connect.
    private async Task StartReplyThreadAsync(RedisEndpoint endpoint, CancellationToken deadline)
    {
        var addresses = IPAddress.TryParse(endpoint.Host, out var address)
            ? [address]
            : await Dns.GetHostAddressesAsync(endpoint.Host, deadline).ConfigureAwait(false);
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                _socket.Connect(addresses, endpoint.Port);
            }
            catch (Exception ex)
            {
                connected.TrySetException(ex);
                return;
            }

            connected.TrySetResult();

            // Every receive here blocks and completes at once: the loop runs on this thread until the connection fails.
            _ = ReadRepliesAsync();
        })
        {
            IsBackground = true,
            Name = "Redis replies",
        };

        // No request's context (its activity, its AsyncLocals) goes with the thread.
        thread.UnsafeStart();
        await connected.Task.WaitAsync(deadline).ConfigureAwait(false);
    }

    // The one reader: each reply completes the oldest call waiting, on this thread, until the connection fails.
    private async Task ReadRepliesAsync()
    {
        try
        {
            while (true)
            {
                var (reply, error) = await ReadReplyAsync().ConfigureAwait(false);
                TaskCompletionSource<byte[]>? call;
                bool more;
                lock (_gate)
                {
                    _pending.TryDequeue(out call);
                    more = _pending.Count > 0;
                }

                if (call is null)
                {
                    throw new InvalidDataException("Redis sent a reply no call asked for.");
                }

                if (_blocking && more)
                {
                    // Another reply is due: this call's caller goes on in the thread pool while this thread reads on (busy,
                    // the pool's workers are awake; idle, a call completes here without waking one).
                    ThreadPool.UnsafeQueueUserWorkItem(static answered => Complete(answered.Call, answered.Reply, answered.Error), (Call: call, Reply: reply, Error: error), preferLocal: false);
                }
                else
                {
                    Complete(call, reply, error);
                }
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    // Gives a call its reply, or the server's error reply as RedisServerException.
    private static void Complete(TaskCompletionSource<byte[]> call, byte[] reply, string? error)
    {
        if (error is null)
        {
            call.TrySetResult(reply);
        }
        else
        {
            call.TrySetException(new RedisServerException(RedisErrorKind.Unknown, CommandFlags.None, error));
        }
    }

    // Closes the connection and fails every call waiting on it (outside the lock: a call's continuation runs here).
    private void Fail(Exception error)
    {
        TaskCompletionSource<byte[]>[] failed;
        lock (_gate)
        {
            _failure ??= error;
            failed = [.. _pending];
            _pending.Clear();
        }

        _socket.Dispose();
        var closed = new IOException("The connection to Redis was closed: " + error.Message, error);
        foreach (var call in failed)
        {
            call.TrySetException(closed);
        }
    }

    // The command as a RESP array of bulk strings, written into one buffer and sent from this thread.
    private void Send(IReadOnlyList<string> words, IReadOnlyList<RedisValue> values)
    {
        var count = words.Count + values.Count;
        var size = Header(count);
        foreach (var word in words)
        {
            size += Bulk(Encoding.UTF8.GetByteCount(word));
        }

        foreach (var value in values)
        {
            size += Bulk(value.GetByteCount());
        }

        if (_output.Length < size)
        {
            _output = new byte[Math.Max(size, _output.Length * 2)];
        }

        var written = WriteHeader(_output, (byte)'*', count);
        foreach (var word in words)
        {
            var at = written + WriteHeader(_output.AsSpan(written), (byte)'$', Encoding.UTF8.GetByteCount(word));
            at += Encoding.UTF8.GetBytes(word, _output.AsSpan(at));
            written = WriteEnd(_output, at);
        }

        foreach (var value in values)
        {
            var at = written + WriteHeader(_output.AsSpan(written), (byte)'$', value.GetByteCount());
            at += value.CopyTo(_output.AsSpan(at));
            written = WriteEnd(_output, at);
        }

        var sent = 0;
        while (sent < written)
        {
            sent += _socket.Send(_output.AsSpan(sent, written - sent), SocketFlags.None);
        }

        static int Header(int value) => 1 + Digits(value) + 2;
        static int Bulk(int length) => Header(length) + length + 2;
    }

    private static int Digits(int value)
    {
        var digits = 1;
        for (; value >= 10; value /= 10)
        {
            digits++;
        }

        return digits;
    }

    private static int WriteHeader(Span<byte> destination, byte kind, int value)
    {
        destination[0] = kind;
        Utf8Formatter.TryFormat(value, destination[1..], out var digits);
        destination[1 + digits] = (byte)'\r';
        destination[2 + digits] = (byte)'\n';
        return digits + 3;
    }

    private static int WriteEnd(byte[] destination, int at)
    {
        destination[at] = (byte)'\r';
        destination[at + 1] = (byte)'\n';
        return at + 2;
    }
}
