using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Gateway.Store;

/// <summary>
/// The process's one <see cref="IConnectionMultiplexer"/> to Redis, shared by the
/// <see cref="RedisStateStore"/> and the distributed cache. Connecting starts at construction and never
/// blocks a caller for longer than the connect timeout; while Redis is down, commands fail at once
/// (no backlog) and StackExchange.Redis reconnects in the background with exponential backoff. Behind Sentinel the
/// multiplexer is one to the primary the sentinels name, replaced when they name another
/// (<see cref="SentinelPrimaryFollower"/>).
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    // The first connect's failure while its log has reported none.
    private const string NotConnected = "not connected after the first attempt";

    private readonly RedisStoreOptions _options;
    private readonly ILogger _logger;
    private readonly Task<ConnectionMultiplexer>? _connecting;
    private readonly SentinelPrimaryFollower? _sentinelPrimary;
    private readonly RedisEvictionCheck _eviction;
    private volatile string? _lastFailure;

    // An authentication failure is the reason until a connection is restored: the socket teardown that
    // follows it must not hide it behind "SocketClosed".
    private volatile string? _authenticationFailure;

    // The first failed connect's log, read at each refusal (RefusalReason) until a connection is restored, not copied
    // when the connect returns: StackExchange.Redis may write its failure lines (the server's NOAUTH) after that.
    private volatile RedisConnectFailureWriter? _firstConnect;
    private int _disposed;

    public RedisConnection(RedisStoreOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid Redis options: " + string.Join("; ", errors), nameof(options));
        }

        _options = options;
        _logger = loggerFactory?.CreateLogger<RedisConnection>() ?? NullLogger<RedisConnection>.Instance;
        _eviction = new RedisEvictionCheck(options, _logger, timeProvider ?? TimeProvider.System);
        if (options.Topology == RedisTopology.Sentinel)
        {
            _sentinelPrimary = new SentinelPrimaryFollower(options, ConnectAsync, _logger);
        }
        else
        {
            _connecting = ConnectAsync(options.ToConfiguration());
        }
    }

    /// <summary>
    /// The deployment as configured: <c>host:port</c> for a standalone server, the seeds of a cluster or the service
    /// and sentinels of a Sentinel setup (<see cref="RedisStoreOptions.Description"/>).
    /// </summary>
    public string Endpoint => _options.Description;

    /// <summary>The options this connection was made with.</summary>
    public RedisStoreOptions Options => _options;

    /// <summary>True while the connection to Redis is up and its servers were found to keep every key (<see cref="RedisEvictionCheck"/>).</summary>
    public bool IsConnected => _sentinelPrimary is not null
        ? _sentinelPrimary.Current is { IsConnected: true } primary && _eviction.IsVerified(primary)
        : _connecting!.IsCompletedSuccessfully && _connecting.Result.IsConnected && _eviction.IsVerified(_connecting.Result);

    /// <summary>
    /// The multiplexer once the first connection attempt has finished (connected or not); at most the
    /// connect timeout. Throws <see cref="StateStoreUnavailableException"/> when it could not be created, or when its
    /// servers may evict keys (<see cref="RedisEvictionCheck"/>: asked once per connection).
    /// </summary>
    public async ValueTask<IConnectionMultiplexer> GetMultiplexerAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_connecting is { IsCompletedSuccessfully: true } && _eviction.IsVerified(_connecting.Result))
        {
            return _connecting.Result;
        }

        var multiplexer = await ConnectedAsync(cancellationToken).ConfigureAwait(false);
        if (!_eviction.IsVerified(multiplexer) && !multiplexer.IsConnected)
        {
            // Checked once connected; until then a ping meets the failure any command would (the server's NOAUTH...).
            try
            {
                await multiplexer.GetDatabase().PingAsync(CommandFlags.DemandMaster).WaitAsync(_options.CommandTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                throw Unavailable(ex);
            }
        }

        await _eviction.EnsureAsync(multiplexer, cancellationToken).ConfigureAwait(false);
        return multiplexer;
    }

    private async ValueTask<IConnectionMultiplexer> ConnectedAsync(CancellationToken cancellationToken)
    {
        if (_sentinelPrimary is not null)
        {
            return await _sentinelPrimary.GetPrimaryAsync(_options.ConnectTimeout + _options.CommandTimeout, cancellationToken).ConfigureAwait(false);
        }

        if (_connecting!.IsCompletedSuccessfully)
        {
            return _connecting.Result;
        }

        try
        {
            return await _connecting.WaitAsync(_options.ConnectTimeout + _options.CommandTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new StateStoreUnavailableException($"Redis at {Endpoint} is not connected yet (connect timeout {_options.ConnectTimeout.TotalMilliseconds:0} ms).", ex);
        }
        catch (RedisException ex)
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>Wraps a client-side failure as the store's one exception type, naming the last connection failure.</summary>
    internal StateStoreUnavailableException Unavailable(Exception error)
    {
        var reason = RefusalReason(_authenticationFailure ?? AuthenticationFailureIn(error), _lastFailure, _firstConnect) is { } failure ? $" (last connection failure: {failure})" : string.Empty;
        return new StateStoreUnavailableException($"Redis at {Endpoint} is unavailable: {error.Message}{reason}", error);
    }

    /// <summary>
    /// What a refusal names: an authentication failure (an event's, else the first failed connect's log's as it reads
    /// now), else the last failure an event reported, else the first failed connect's log as it reads now.
    /// <paramref name="firstConnect"/> is null when the first connect succeeded or a connection was restored since.
    /// </summary>
    internal static string? RefusalReason(string? authentication, string? last, RedisConnectFailureWriter? firstConnect) =>
        authentication
        ?? (firstConnect is { IsAuthenticationFailure: true } ? firstConnect.Failure : null)
        ?? last
        ?? (firstConnect is null ? null : firstConnect.Failure ?? NotConnected);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_sentinelPrimary is not null)
        {
            await _sentinelPrimary.DisposeAsync().ConfigureAwait(false);
            return;
        }

        try
        {
            var multiplexer = await _connecting!.ConfigureAwait(false);
            await multiplexer.DisposeAsync().ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // Never connected: nothing to close.
        }
    }

    private async Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions configuration)
    {
        var firstFailure = new RedisConnectFailureWriter();
        if (_options.DedicatedThreads)
        {
            ConnectionMultiplexer.SetFeatureFlag("DedicatedThreads", true);
        }

        var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration, firstFailure).ConfigureAwait(false);
        multiplexer.ConnectionFailed += OnConnectionFailed;
        multiplexer.ConnectionRestored += OnConnectionRestored;

        if (multiplexer.IsConnected)
        {
            RedisConnectionLog.Connected(_logger, Endpoint, _options.Database, _options.UseTls, _options.RequiredReplicaAcknowledgements);
        }
        else
        {
            // The first attempt's failure is not raised as an event: it is read from the connect log.
            _firstConnect ??= firstFailure;
            RedisConnectionLog.ConnectionFailed(_logger, Endpoint, "initial connect: " + (firstFailure.Failure ?? NotConnected), null);
        }

        return multiplexer;
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        // The server's text never contains the password; it names the failure (WRONGPASS, NOAUTH...) and, on a
        // cluster or behind sentinels, the server it concerns.
        var server = _options.Topology == RedisTopology.Standalone ? string.Empty : $" ({e.EndPoint})";
        var failure = (e.Exception is { } ex ? $"{e.FailureType}: {Innermost(ex).Message}" : e.FailureType.ToString()) + server;
        _lastFailure = failure;
        if (e.FailureType == ConnectionFailureType.AuthenticationFailure)
        {
            _authenticationFailure = failure;
        }

        RedisConnectionLog.ConnectionFailed(_logger, Endpoint, e.FailureType + server, e.Exception);

        // Behind Sentinel a primary that fails may have been replaced: ask the sentinels now rather than within a second.
        _sentinelPrimary?.Nudge();
    }

    // A command refused for want of a connection may carry the endpoint's last failure, an authentication failure among
    // them, before any event or connect log line has reported it.
    private static string? AuthenticationFailureIn(Exception error)
    {
        for (Exception? current = error; current is not null; current = current.InnerException)
        {
            if (current is RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure } failure)
            {
                return $"{failure.FailureType}: {Innermost(failure).Message}";
            }
        }

        return null;
    }

    // The client's summary names the connection; the innermost error is the server's or the socket's reason.
    private static Exception Innermost(Exception error)
    {
        while (error.InnerException is { } inner)
        {
            error = inner;
        }

        return error;
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        _lastFailure = null;
        _authenticationFailure = null;
        _firstConnect = null;
        RedisConnectionLog.ConnectionRestored(_logger, _options.Topology == RedisTopology.Standalone ? Endpoint : $"{e.EndPoint} of {Endpoint}");
    }
}
