using System.Net;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gateway.Store;

/// <summary>
/// Behind Sentinel, the client talks to one server only: the primary the sentinels name. The sentinels are asked (on a
/// StackExchange.Redis sentinel connection of their own) at start, on every <c>+switch-master</c> they announce, when the
/// primary's connection fails, and once a second; when they name another server, a connection to it replaces the one to
/// the former primary. A client that kept every server of the set would take a former primary that comes back
/// (restarted, or healed from a partition) for a primary, because it says it is one until the sentinels turn it into a
/// replica seconds later: its writes would be lost and its reads could miss a nonce or a kill switch. A server that says
/// it is a replica is never written to (every call demands the primary), so while a failover is under way calls fail
/// closed.
/// </summary>
internal sealed partial class SentinelPrimaryFollower : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly RedisChannel SwitchMaster = RedisChannel.Literal("+switch-master");
    private readonly RedisStoreOptions _options;
    private readonly Func<ConfigurationOptions, Task<ConnectionMultiplexer>> _connect;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstAnswer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;
    private ConnectionMultiplexer? _sentinels;
    private TaskCompletionSource _nudge = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile Primary? _primary;
    private volatile string _lastProblem = "the sentinels have not been asked yet";

    /// <param name="options">The Sentinel options (sentinels, service name, credentials, TLS).</param>
    /// <param name="connect">Connects to the one server given (the caller's events and logging attached).</param>
    /// <param name="logger">Where switches are logged.</param>
    public SentinelPrimaryFollower(RedisStoreOptions options, Func<ConfigurationOptions, Task<ConnectionMultiplexer>> connect, ILogger logger)
    {
        _options = options;
        _connect = connect;
        _logger = logger;
        _loop = RunAsync();
    }

    /// <summary>The connection to the primary the sentinels named last; null before they first named one.</summary>
    public ConnectionMultiplexer? Current => _primary?.Connection;

    /// <summary>
    /// The connection to the named primary, waiting at most <paramref name="within"/> for the sentinels' first answer.
    /// Throws <see cref="StateStoreUnavailableException"/> when they have named none.
    /// </summary>
    public async ValueTask<ConnectionMultiplexer> GetPrimaryAsync(TimeSpan within, CancellationToken cancellationToken)
    {
        if (_primary is { } primary)
        {
            return primary.Connection;
        }

        try
        {
            await _firstAnswer.Task.WaitAsync(within, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Reported below.
        }

        return _primary?.Connection
            ?? throw new StateStoreUnavailableException($"Redis at {_options.Description} has no primary to use: {_lastProblem}.");
    }

    /// <summary>Asks the sentinels again now (the primary's connection failed, say).</summary>
    public void Nudge() => Volatile.Read(ref _nudge).TrySetResult();

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var nudge = Volatile.Read(ref _nudge);
            await FollowAsync().ConfigureAwait(false);
            _firstAnswer.TrySetResult();
            Interlocked.CompareExchange(ref _nudge, new(TaskCreationOptions.RunContinuationsAsynchronously), nudge);
            try
            {
                await Task.WhenAny(Volatile.Read(ref _nudge).Task, Task.Delay(Interval, _stop.Token)).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // One round: ask the sentinels; connect to the server they name when it is not the one in use.
    private async Task FollowAsync()
    {
        try
        {
            if (_sentinels is null)
            {
                _sentinels = await ConnectionMultiplexer.SentinelConnectAsync(_options.ToSentinelConfiguration()).ConfigureAwait(false);
                await _sentinels.GetSubscriber().SubscribeAsync(SwitchMaster, (_, _) => Nudge()).ConfigureAwait(false);
            }

            var named = await NamedPrimaryAsync(_sentinels).ConfigureAwait(false);
            if (named is null)
            {
                _lastProblem = $"no sentinel answered which server is the primary of '{_options.ServiceName}'";
                return;
            }

            var current = _primary;
            if (current is not null && current.Endpoint == named)
            {
                return;
            }

            var configuration = _options.ToConfiguration();
            configuration.ServiceName = null;
            configuration.EndPoints.Clear();
            configuration.EndPoints.Add(RedisEndpoint.TryParse(named, out var endpoint) ? ToEndPoint(endpoint.Value) : throw new InvalidOperationException($"The sentinels named '{named}'."));
            var next = await _connect(configuration).ConfigureAwait(false);
            _primary = new Primary(named, next);
            LogPrimaryNamed(_logger, _options.Description, named, current?.Endpoint ?? "none");
            if (current is not null)
            {
                // Calls still on the former primary's connection fail (closed), as they would have had it died.
                await current.Connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidOperationException)
        {
            _lastProblem = "the sentinels could not be asked: " + ex.Message;
        }
    }

    private async Task<string?> NamedPrimaryAsync(ConnectionMultiplexer sentinels)
    {
        foreach (var sentinel in sentinels.GetServers().Where(static s => s.IsConnected))
        {
            try
            {
                if (await sentinel.SentinelGetMasterAddressByNameAsync(_options.ServiceName!).WaitAsync(_options.CommandTimeout).ConfigureAwait(false) is { } named)
                {
                    return Format(named);
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Another sentinel may answer.
            }
        }

        return null;
    }

    private static EndPoint ToEndPoint(RedisEndpoint endpoint) =>
        IPAddress.TryParse(endpoint.Host, out var address) ? new IPEndPoint(address, endpoint.Port) : new DnsEndPoint(endpoint.Host, endpoint.Port);

    private static string Format(EndPoint endpoint) => endpoint switch
    {
        IPEndPoint ip => new RedisEndpoint(ip.Address.ToString(), ip.Port).ToString(),
        DnsEndPoint dns => new RedisEndpoint(dns.Host, dns.Port).ToString(),
        _ => endpoint.ToString() ?? string.Empty,
    };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        if (_sentinels is not null)
        {
            await _sentinels.DisposeAsync().ConfigureAwait(false);
        }

        if (_primary is { } primary)
        {
            await primary.Connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "The sentinels of {Endpoint} name {Primary} the primary (was {Former}); the store now uses it.")]
    private static partial void LogPrimaryNamed(ILogger logger, string endpoint, string primary, string former);

    /// <summary>The server the sentinels named, as <c>host:port</c>, and the connection to it.</summary>
    private sealed record Primary(string Endpoint, ConnectionMultiplexer Connection);
}
