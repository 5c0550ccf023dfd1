using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Gateway.Store;

/// <summary>
/// The process's one <see cref="IConnectionMultiplexer"/> to Redis, shared by the
/// <see cref="RedisStateStore"/> and the distributed cache. Connecting starts at construction and never
/// blocks a caller for longer than the connect timeout; while Redis is down, commands fail at once
/// (no backlog) and StackExchange.Redis reconnects in the background with exponential backoff.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly RedisStoreOptions _options;
    private readonly ILogger _logger;
    private readonly Task<ConnectionMultiplexer> _connecting;
    private volatile string? _lastFailure;
    private int _disposed;

    public RedisConnection(RedisStoreOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid Redis options: " + string.Join("; ", errors), nameof(options));
        }

        _options = options;
        _logger = loggerFactory?.CreateLogger<RedisConnection>() ?? NullLogger<RedisConnection>.Instance;
        _connecting = ConnectAsync();
    }

    /// <summary>The endpoint as configured, <c>host:port</c>.</summary>
    public string Endpoint => _options.Endpoint;

    /// <summary>The options this connection was made with.</summary>
    public RedisStoreOptions Options => _options;

    /// <summary>True while the connection to Redis is up.</summary>
    public bool IsConnected => _connecting.IsCompletedSuccessfully && _connecting.Result.IsConnected;

    /// <summary>
    /// The multiplexer once the first connection attempt has finished (connected or not); at most the
    /// connect timeout. Throws <see cref="StateStoreUnavailableException"/> when it could not be created.
    /// </summary>
    public async ValueTask<IConnectionMultiplexer> GetMultiplexerAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_connecting.IsCompletedSuccessfully)
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
        var reason = _lastFailure is { } failure ? $" (last connection failure: {failure})" : string.Empty;
        return new StateStoreUnavailableException($"Redis at {Endpoint} is unavailable: {error.Message}{reason}", error);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            var multiplexer = await _connecting.ConfigureAwait(false);
            await multiplexer.DisposeAsync().ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // Never connected: nothing to close.
        }
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(_options.ToConfiguration()).ConfigureAwait(false);
        multiplexer.ConnectionFailed += OnConnectionFailed;
        multiplexer.ConnectionRestored += OnConnectionRestored;
        if (multiplexer.IsConnected)
        {
            RedisConnectionLog.Connected(_logger, Endpoint, _options.Database, _options.UseTls);
        }
        else
        {
            // The first attempt's failure is not raised as an event: read it from the status text.
            _lastFailure ??= "not connected after the first attempt";
            RedisConnectionLog.ConnectionFailed(_logger, Endpoint, "initial connect", null);
        }

        return multiplexer;
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        // The server's text never contains the password; it names the failure (WRONGPASS, NOAUTH...).
        _lastFailure = e.Exception is { } ex ? $"{e.FailureType}: {ex.Message}" : e.FailureType.ToString();
        RedisConnectionLog.ConnectionFailed(_logger, Endpoint, e.FailureType.ToString(), e.Exception);
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        _lastFailure = null;
        RedisConnectionLog.ConnectionRestored(_logger, Endpoint);
    }
}
