using Gateway.Proxy.Configuration;
using Gateway.Proxy.Telemetry;
using Gateway.Store;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// Readiness (<c>store_clock</c>): this replica's clock is within <c>Gateway:Authentication:MaxStoreClockSkew</c> of the
/// shared store's (Redis <c>TIME</c> on each primary), read at start-up and every
/// <c>Gateway:Authentication:StoreClockCheckInterval</c>, each reading logged when out of bounds and recorded in
/// <c>gateway.store.clock.offset</c>. Replicas share nonces but check timestamps on their own clocks: one too far off could
/// take a request replayed after its nonce expired (docs/operations.md, "Clocks"). A store with no clock of its own
/// (the embedded one, one process) is always within bounds.
/// </summary>
internal sealed partial class StoreClockCheck : BackgroundService, IHealthCheck
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(2);

    private readonly IStoreClock? _clock;
    private readonly TimeProvider _time;
    private readonly TimeSpan _bound;
    private readonly TimeSpan _interval;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger _logger;
    private volatile Reading? _last;

    /// <summary>The check the container makes: over the undecorated store, when it keeps a clock.</summary>
    public StoreClockCheck(IServiceProvider services, TimeProvider time, IOptions<GatewayOptions> options, GatewayMetrics metrics, ILogger<StoreClockCheck> logger)
        : this(ClockOf(services), time, options.Value.Authentication, metrics, logger)
    {
    }

    internal StoreClockCheck(IStoreClock? clock, TimeProvider time, GatewayOptions.AuthenticationSettings settings, GatewayMetrics metrics, ILogger logger)
    {
        _clock = clock;
        _time = time;
        _bound = settings.MaxStoreClockSkew;
        _interval = settings.StoreClockCheckInterval;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>
    /// Reads the store's clocks now: the offset furthest from this replica's (the store's less this replica's, at the
    /// middle of the round trip), or null when the store keeps no clock. Throws <see cref="StateStoreUnavailableException"/>.
    /// </summary>
    public async Task<TimeSpan?> MeasureAsync(CancellationToken cancellationToken)
    {
        if (_clock is null)
        {
            return null;
        }

        var before = _time.GetUtcNow();
        var started = _time.GetTimestamp();
        var clocks = await _clock.ReadClocksAsync(cancellationToken).ConfigureAwait(false);
        var local = before + (_time.GetElapsedTime(started) / 2);
        var offset = TimeSpan.Zero;
        foreach (var clock in clocks)
        {
            offset = (clock - local).Duration() > offset.Duration() ? clock - local : offset;
        }

        var within = offset.Duration() <= _bound;
        var was = _last;
        _last = new Reading(offset, within, _time.GetTimestamp());
        _metrics.StoreClockOffset.Record(offset.TotalSeconds);
        if (!within)
        {
            LogSkewed(_logger, offset.TotalSeconds, _bound.TotalSeconds);
        }
        else if (was is { Within: false })
        {
            LogBackWithin(_logger, offset.TotalSeconds, _bound.TotalSeconds);
        }

        return offset;
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (_clock is null)
        {
            return HealthCheckResult.Healthy("ok");
        }

        // Read again when never read, out of bounds (so that a fixed clock is ready at the next probe) or stale.
        var last = _last;
        if (last is null || !last.Within || _time.GetElapsedTime(last.Timestamp) > 2 * _interval)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(ReadTimeout);
                await MeasureAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is StateStoreUnavailableException or OperationCanceledException)
            {
                // The store check says the store is unavailable; the last reading, if any, stands.
            }

            last = _last;
        }

        return last switch
        {
            null => HealthCheckResult.Unhealthy("not_measured"),
            { Within: true } => HealthCheckResult.Healthy("ok"),
            _ => HealthCheckResult.Unhealthy("skewed"),
        };
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_clock is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(_interval, _time);
        try
        {
            do
            {
                try
                {
                    await MeasureAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (StateStoreUnavailableException ex)
                {
                    LogUnread(_logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    // The store as registered before telemetry decorated it (the decorator keeps no clock).
    private static IStoreClock? ClockOf(IServiceProvider services) =>
        (services.GetKeyedService<IStateStore>(TelemetryServiceCollectionExtensions.UndecoratedStoreKey) ?? services.GetService<IStateStore>()) as IStoreClock;

    /// <summary>One reading: the offset, whether it was within bounds, and when it was taken (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    private sealed record Reading(TimeSpan Offset, bool Within, long Timestamp);

    [LoggerMessage(EventId = 3351, Level = LogLevel.Warning, Message = "The state store's clock is {OffsetSeconds:0.###} s from this replica's, beyond the {BoundSeconds:0.###} s allowed (Gateway:Authentication:MaxStoreClockSkew): the replica is not ready until its clock is corrected.")]
    private static partial void LogSkewed(ILogger logger, double offsetSeconds, double boundSeconds);

    [LoggerMessage(EventId = 3352, Level = LogLevel.Information, Message = "The state store's clock is {OffsetSeconds:0.###} s from this replica's, within the {BoundSeconds:0.###} s allowed again.")]
    private static partial void LogBackWithin(ILogger logger, double offsetSeconds, double boundSeconds);

    [LoggerMessage(EventId = 3353, Level = LogLevel.Debug, Message = "The state store's clock could not be read.")]
    private static partial void LogUnread(ILogger logger, Exception exception);
}
