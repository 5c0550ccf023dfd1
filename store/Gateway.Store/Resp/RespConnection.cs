using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Gateway.Store.Resp;

/// <summary>
/// One socket shared by every caller. Requests are queued to a writer loop that frames them onto
/// the stream in batches (one flush per batch); a reader loop parses replies and completes the
/// requests in the order they were written (RESP2 answers in FIFO order). Any I/O or protocol
/// failure faults the connection once: every queued and in-flight request then fails with
/// <see cref="StateStoreUnavailableException"/>, and <see cref="Faulted"/> completes.
/// </summary>
internal sealed class RespConnection : IAsyncDisposable
{
    private const long FlushThresholdBytes = 64 * 1024;

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Channel<RespPendingRequest> _outbox = Channel.CreateUnbounded<RespPendingRequest>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly ConcurrentQueue<RespPendingRequest> _awaitingReply = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly TaskCompletionSource<Exception> _faulted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _endpoint;
    private Task _writerLoop = Task.CompletedTask;
    private Task _readerLoop = Task.CompletedTask;
    private long _repliesReceived;
    private int _isFaulted;

    public RespConnection(Socket socket, Stream stream, string endpoint)
    {
        _socket = socket;
        _stream = stream;
        _endpoint = endpoint;
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true));
        _output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
    }

    /// <summary>Completes with the reason once the connection has failed; it never recovers.</summary>
    public Task<Exception> Faulted => _faulted.Task;

    public bool IsFaulted => Volatile.Read(ref _isFaulted) != 0;

    public long RepliesReceived => Interlocked.Read(ref _repliesReceived);

    public void Start()
    {
        _writerLoop = Task.Run(WriteLoopAsync);
        _readerLoop = Task.Run(ReadLoopAsync);
    }

    /// <summary>Queues a command; the returned request completes with its reply or fails.</summary>
    public RespPendingRequest Submit(RespCommand command)
    {
        var request = new RespPendingRequest(command, RepliesReceived);
        if (!_outbox.Writer.TryWrite(request))
        {
            request.TrySetException(Unavailable(_faulted.Task.IsCompleted ? _faulted.Task.Result : null));
            return request;
        }

        if (IsFaulted)
        {
            FailQueued();
        }

        return request;
    }

    /// <summary>Fails the connection (idempotent): closes the socket and fails everything queued.</summary>
    public void Fault(Exception reason)
    {
        if (Interlocked.Exchange(ref _isFaulted, 1) != 0)
        {
            return;
        }

        _faulted.TrySetResult(reason);
        _outbox.Writer.TryComplete();
        try
        {
            _shutdown.Cancel();
        }
        catch (AggregateException)
        {
            // A loop's cancellation callback threw; the connection is going away regardless.
        }

        _socket.Dispose();
        FailQueued();
    }

    public async ValueTask DisposeAsync()
    {
        Fault(new ObjectDisposedException(nameof(RespConnection), "The connection was closed."));
        await Task.WhenAll(_writerLoop, _readerLoop).ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _shutdown.Dispose();
    }

    private async Task WriteLoopAsync()
    {
        var cancellationToken = _shutdown.Token;
        try
        {
            while (await _outbox.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_outbox.Reader.TryRead(out var request))
                {
                    if (request.IsSettled)
                    {
                        continue; // The caller gave up before it was sent: nothing to match.
                    }

                    _awaitingReply.Enqueue(request);
                    if (IsFaulted)
                    {
                        FailQueued();
                        return;
                    }

                    _output.Write(request.Command.Payload.Span);
                    if (_output.UnflushedBytes >= FlushThresholdBytes)
                    {
                        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                var flushed = await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            // Whatever stopped the writer (I/O, TLS, a closed socket) ends this connection.
            Fault(ex);
        }
        finally
        {
            await CompleteQuietlyAsync(_output.CompleteAsync).ConfigureAwait(false);
        }
    }

    private async Task ReadLoopAsync()
    {
        var cancellationToken = _shutdown.Token;
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    while (RespReplyParser.TryParse(ref buffer, out var reply))
                    {
                        Interlocked.Increment(ref _repliesReceived);
                        if (!_awaitingReply.TryDequeue(out var request))
                        {
                            throw new RespProtocolException("The server sent a reply that no request was waiting for.");
                        }

                        request.TrySetResult(reply); // False when abandoned: the reply is discarded.
                    }
                }
                finally
                {
                    _input.AdvanceTo(buffer.Start, buffer.End);
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    Fault(new IOException($"Redis at {_endpoint} closed the connection."));
                    return;
                }
            }
        }
        catch (Exception ex)
        {
            // I/O failures and protocol violations alike: the reply stream can no longer be trusted.
            Fault(ex);
        }
        finally
        {
            await CompleteQuietlyAsync(_input.CompleteAsync).ConfigureAwait(false);
        }
    }

    private static async ValueTask CompleteQuietlyAsync(Func<Exception?, ValueTask> complete)
    {
        try
        {
            await complete(null).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException or OperationCanceledException)
        {
            // The stream is already gone; there is nothing left to flush to.
        }
    }

    private void FailQueued()
    {
        var reason = _faulted.Task.IsCompleted ? _faulted.Task.Result : null;
        while (_awaitingReply.TryDequeue(out var request))
        {
            request.TrySetException(Unavailable(reason));
        }

        while (_outbox.Reader.TryRead(out var request))
        {
            request.TrySetException(Unavailable(reason));
        }
    }

    private StateStoreUnavailableException Unavailable(Exception? reason) => reason is null
        ? new StateStoreUnavailableException($"The connection to Redis at {_endpoint} is closed.")
        : new StateStoreUnavailableException($"The connection to Redis at {_endpoint} failed: {reason.Message}", reason);
}
