using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Store.Resp;

/// <summary>
/// A multiplexed Redis client for one endpoint: every caller shares one pipelined
/// <see cref="RespConnection"/>. A background supervisor connects, notices failures and reconnects
/// with exponential backoff and jitter. While no connection is up, calls fail at once with
/// <see cref="StateStoreUnavailableException"/> (only the first attempt after a healthy period is
/// awaited, for at most the connect timeout). Every call is bounded by the command timeout.
/// </summary>
internal sealed class RespClient : IAsyncDisposable
{
    private readonly RedisStoreOptions _options;
    private readonly RespConnector _connector;
    private readonly ReconnectBackoff _backoff;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposing = new();
    private readonly Task _supervisor;
    private volatile RespConnection? _connection;
    private volatile TaskCompletionSource<bool>? _attemptInProgress;
    private volatile Exception? _lastFailure;
    private int _disposed;

    public RespClient(RedisStoreOptions options, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid Redis options: " + string.Join("; ", errors), nameof(options));
        }

        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _connector = new RespConnector(options, _time);
        _backoff = new ReconnectBackoff(options.ReconnectMinBackoff, options.ReconnectMaxBackoff);
        _attemptInProgress = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _supervisor = Task.Run(SuperviseAsync);
    }

    public string Endpoint => _connector.Endpoint;

    public bool IsConnected => _connection is { IsFaulted: false };

    /// <summary>Sends one command and returns its reply.</summary>
    /// <exception cref="RespErrorException">The server answered with an error reply.</exception>
    /// <exception cref="StateStoreUnavailableException">No connection, a connection failure, or no reply within the command timeout.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async ValueTask<RespValue> ExecuteAsync(RespCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        var connection = _connection ?? await WaitForConnectionAsync(cancellationToken).ConfigureAwait(false);
        var request = connection.Submit(command);
        RespValue reply;
        try
        {
            reply = await request.Task.WaitAsync(_options.CommandTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            request.TrySetCanceled();
            if (connection.RepliesReceived == request.RepliesReceivedAtSubmit)
            {
                // Nothing at all came back for a whole timeout: a dead or stuck link. Reconnect.
                RespClientLog.StalledConnectionClosed(_logger, Endpoint, "a command");
                connection.Fault(new TimeoutException($"No reply from Redis at {Endpoint} within {_options.CommandTimeout.TotalMilliseconds:0} ms."));
            }

            throw new StateStoreUnavailableException($"Redis at {Endpoint} did not answer within {_options.CommandTimeout.TotalMilliseconds:0} ms.", ex);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            request.TrySetCanceled(cancellationToken); // Its reply, if any, is read and discarded.
            throw;
        }

        if (reply.Kind == RespKind.Error)
        {
            throw new RespErrorException(reply.AsString()!);
        }

        return reply;
    }

    /// <summary>
    /// Runs a Lua script by digest, loading it with <c>EVAL</c> when the server does not know it.
    /// <paramref name="keysAndArguments"/> starts with the number of keys, as after <c>EVAL script</c>.
    /// </summary>
    public async ValueTask<RespValue> EvaluateAsync(RespScript script, RespArguments keysAndArguments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(keysAndArguments);
        try
        {
            var bySha = new RespArguments(64).Add("EVALSHA"u8).Add(script.Sha1.Span);
            return await ExecuteAsync(RespCommand.Create(bySha, keysAndArguments), cancellationToken).ConfigureAwait(false);
        }
        catch (RespErrorException ex) when (ex.ErrorCode == "NOSCRIPT")
        {
            var bySource = new RespArguments(script.Source.Length + 32).Add("EVAL"u8).Add(script.Source.Span);
            return await ExecuteAsync(RespCommand.Create(bySource, keysAndArguments), cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _disposing.CancelAsync().ConfigureAwait(false);
        await _supervisor.ConfigureAwait(false);
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _attemptInProgress?.TrySetResult(false);
        _disposing.Dispose();
    }

    private async ValueTask<RespConnection> WaitForConnectionAsync(CancellationToken cancellationToken)
    {
        if (_attemptInProgress is { } attempt)
        {
            try
            {
                await attempt.Task.WaitAsync(_options.ConnectTimeout, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException ex)
            {
                throw new StateStoreUnavailableException($"Redis at {Endpoint} is not connected yet (connect timeout {_options.ConnectTimeout.TotalMilliseconds:0} ms).", ex);
            }
        }

        return _connection ?? throw Unavailable();
    }

    private StateStoreUnavailableException Unavailable() => _lastFailure is { } failure
        ? new StateStoreUnavailableException($"Redis at {Endpoint} is unavailable: {failure.Message}", failure)
        : new StateStoreUnavailableException($"Redis at {Endpoint} is unavailable.");

    private async Task SuperviseAsync()
    {
        var stopping = _disposing.Token;
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            var attempt = _attemptInProgress;
            try
            {
                var connection = await _connector.ConnectAsync(stopping).ConfigureAwait(false);
                _connection = connection;
                _lastFailure = null;
                _attemptInProgress = null;
                failures = 0;
                attempt?.TrySetResult(true);
                RespClientLog.Connected(_logger, Endpoint, _options.Database, _options.UseTls);

                var reason = await connection.Faulted.WaitAsync(stopping).ConfigureAwait(false);
                _lastFailure = reason;
                _attemptInProgress = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                _connection = null;
                RespClientLog.Disconnected(_logger, Endpoint, reason);
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Refused, timed out, TLS or AUTH failure: stay down, fail callers fast, retry later.
                _lastFailure = ex;
                _attemptInProgress = null;
                attempt?.TrySetResult(false);
                failures++;
                var delay = _backoff.DelayFor(failures);
                RespClientLog.ReconnectScheduled(_logger, Endpoint, failures, delay.TotalMilliseconds, ex);
                try
                {
                    await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }
}
