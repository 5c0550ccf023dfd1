using System.Diagnostics.Metrics;
using System.Diagnostics;
using Gateway.Store;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// Decorates the registered <see cref="IStateStore"/> with one <c>gateway.store &lt;operation&gt;</c>
/// span (kind Client) per call made inside a traced request, so a slow request shows which round trip
/// was slow. Calls outside a trace (background sweeps) make no span. For the embedded memory store,
/// which has no instruments of its own, it also records <c>gateway.store.duration</c> and
/// <c>gateway.store.errors</c> on meter <c>Gateway.Store</c>; the Redis store records them itself.
/// Keys and values are never recorded.
/// </summary>
internal sealed class TracingStateStore : IStateStore
{
    private const string StoreMeterName = "Gateway.Store";

    private readonly IStateStore _inner;
    private readonly Histogram<double>? _duration;
    private readonly Counter<long>? _errors;

    public TracingStateStore(IStateStore inner, IMeterFactory? meterFactory)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        if (inner is InMemoryStateStore && meterFactory is not null)
        {
            var meter = meterFactory.Create(StoreMeterName);
            _duration = meter.CreateHistogram<double>("gateway.store.duration", unit: "s", description: "Duration of state store operations.");
            _errors = meter.CreateCounter<long>("gateway.store.errors", unit: "{error}", description: "State store operations that failed.");
        }
    }

    /// <summary>The decorated store.</summary>
    public IStateStore Inner => _inner;

    public ValueTask<bool> TrySetIfAbsentAsync(string key, string value, TimeSpan? expiry, CancellationToken cancellationToken = default) =>
        Run("set_if_absent", (key, value, expiry), static (s, a, ct) => s.TrySetIfAbsentAsync(a.key, a.value, a.expiry, ct), cancellationToken);

    public ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        Run("get", key, static (s, k, ct) => s.GetAsync(k, ct), cancellationToken);

    public ValueTask<IReadOnlyList<string?>> GetManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default) =>
        Run("get_many", keys, static (s, k, ct) => s.GetManyAsync(k, ct), cancellationToken);

    public ValueTask SetAsync(string key, string value, TimeSpan? expiry, CancellationToken cancellationToken = default) =>
        Run("set", (key, value, expiry), static (s, a, ct) => s.SetAsync(a.key, a.value, a.expiry, ct), cancellationToken);

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        Run("delete", key, static (s, k, ct) => s.DeleteAsync(k, ct), cancellationToken);

    public ValueTask<bool> ReplaceIfEqualAsync(string key, string expected, string value, TimeSpan? expiry, CancellationToken cancellationToken = default) =>
        Run("replace_if_equal", (key, expected, value, expiry), static (s, a, ct) => s.ReplaceIfEqualAsync(a.key, a.expected, a.value, a.expiry, ct), cancellationToken);

    public ValueTask<bool> DeleteIfEqualAsync(string key, string expected, CancellationToken cancellationToken = default) =>
        Run("delete_if_equal", (key, expected), static (s, a, ct) => s.DeleteIfEqualAsync(a.key, a.expected, ct), cancellationToken);

    public ValueTask<string?> TakeAsync(string key, CancellationToken cancellationToken = default) =>
        Run("take", key, static (s, k, ct) => s.TakeAsync(k, ct), cancellationToken);

    public ValueTask<long> IncrementAsync(string key, long delta, TimeSpan? expiry, CancellationToken cancellationToken = default) =>
        Run("increment", (key, delta, expiry), static (s, a, ct) => s.IncrementAsync(a.key, a.delta, a.expiry, ct), cancellationToken);

    public ValueTask<AdmissionOutcome> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken = default) =>
        Run("admit", request, static (s, r, ct) => s.AdmitAsync(r, ct), cancellationToken);

    public ValueTask<TokenConsumption> ConsumeTokenAsync(string recordKey, IReadOnlyList<KeyValuePair<string, string?>>? unchanged = null, CancellationToken cancellationToken = default) =>
        Run("consume_token", (recordKey, unchanged), static (s, a, ct) => s.ConsumeTokenAsync(a.recordKey, a.unchanged, ct), cancellationToken);

    public ValueTask<BudgetOutcome> TryReserveAsync(string key, long amount, long limit, TimeSpan window, CancellationToken cancellationToken = default) =>
        Run("reserve", (key, amount, limit, window), static (s, a, ct) => s.TryReserveAsync(a.key, a.amount, a.limit, a.window, ct), cancellationToken);

    public ValueTask<long> SettleAsync(string key, long reserved, long actual, TimeSpan window, long slot, CancellationToken cancellationToken = default) =>
        Run("settle", (key, reserved, actual, window, slot), static (s, a, ct) => s.SettleAsync(a.key, a.reserved, a.actual, a.window, a.slot, ct), cancellationToken);

    public ValueTask<IReadOnlyList<long?>> AdjustCountersAsync(IReadOnlyList<CounterAdjustment> adjustments, CancellationToken cancellationToken = default) =>
        Run("adjust_counters", adjustments, static (s, a, ct) => s.AdjustCountersAsync(a, ct), cancellationToken);

    public ValueTask<long> SetAddAsync(string key, string member, TimeSpan? expiry, CancellationToken cancellationToken = default) =>
        Run("set_add", (key, member, expiry), static (s, a, ct) => s.SetAddAsync(a.key, a.member, a.expiry, ct), cancellationToken);

    public ValueTask<IReadOnlyList<string>> SetMembersAsync(string key, CancellationToken cancellationToken = default) =>
        Run("set_members", key, static (s, k, ct) => s.SetMembersAsync(k, ct), cancellationToken);

    public ValueTask<bool> SetRemoveAsync(string key, string member, CancellationToken cancellationToken = default) =>
        Run("set_remove", (key, member), static (s, a, ct) => s.SetRemoveAsync(a.key, a.member, ct), cancellationToken);

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, string entry, CancellationToken cancellationToken = default) =>
        Run("log_append", (logKey, expectedLength, entry), static (s, a, ct) => s.TryAppendAsync(a.logKey, a.expectedLength, a.entry, ct), cancellationToken);

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, CancellationToken cancellationToken = default) =>
        Run("log_append", (logKey, expectedLength, entries), static (s, a, ct) => s.TryAppendAsync(a.logKey, a.expectedLength, a.entries, ct), cancellationToken);

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, CancellationToken cancellationToken = default) =>
        Run("log_append", (logKey, expectedLength, entries, hashKey, fields), static (s, a, ct) => s.TryAppendAsync(a.logKey, a.expectedLength, a.entries, a.hashKey, a.fields, ct), cancellationToken);

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string? hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, string companionLogKey, IReadOnlyList<byte[]> companionEntries, CancellationToken cancellationToken = default) =>
        Run("log_append", (logKey, expectedLength, entries, hashKey, fields, companionLogKey, companionEntries), static (s, a, ct) => s.TryAppendAsync(a.logKey, a.expectedLength, a.entries, a.hashKey, a.fields, a.companionLogKey, a.companionEntries, ct), cancellationToken);

    public ValueTask<AppendAdmission> TryAppendAdmittingAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string? hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, string? companionLogKey, IReadOnlyList<byte[]> companionEntries, IReadOnlyList<AdmissionRequest> admissions, IReadOnlyList<BudgetSettle> settles, CancellationToken cancellationToken = default) =>
        Run(admissions.Count == 0 && settles.Count > 0 ? "log_append_settle" : "log_append_admit", (logKey, expectedLength, entries, hashKey, fields, companionLogKey, companionEntries, admissions, settles), static (s, a, ct) => s.TryAppendAdmittingAsync(a.logKey, a.expectedLength, a.entries, a.hashKey, a.fields, a.companionLogKey, a.companionEntries, a.admissions, a.settles, ct), cancellationToken);

    public ValueTask<string?> HashGetAsync(string hashKey, string field, CancellationToken cancellationToken = default) =>
        Run("hash_get", (hashKey, field), static (s, a, ct) => s.HashGetAsync(a.hashKey, a.field, ct), cancellationToken);

    public ValueTask<long> HashLengthAsync(string hashKey, CancellationToken cancellationToken = default) =>
        Run("hash_length", hashKey, static (s, k, ct) => s.HashLengthAsync(k, ct), cancellationToken);

    public ValueTask<long> LogLengthAsync(string logKey, CancellationToken cancellationToken = default) =>
        Run("log_length", logKey, static (s, k, ct) => s.LogLengthAsync(k, ct), cancellationToken);

    public ValueTask<IReadOnlyList<string>> ReadLogAsync(string logKey, long start, int count, CancellationToken cancellationToken = default) =>
        Run("log_read", (logKey, start, count), static (s, a, ct) => s.ReadLogAsync(a.logKey, a.start, a.count, ct), cancellationToken);

    public ValueTask PingAsync(CancellationToken cancellationToken = default) =>
        Run("ping", 0, static (s, _, ct) => s.PingAsync(ct), cancellationToken);

    private ValueTask<T> Run<TArgs, T>(string operation, TArgs args, Func<IStateStore, TArgs, CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken) =>
        _duration is null && !InTrace() ? call(_inner, args, cancellationToken) : Traced(operation, args, call, cancellationToken);

    private ValueTask Run<TArgs>(string operation, TArgs args, Func<IStateStore, TArgs, CancellationToken, ValueTask> call, CancellationToken cancellationToken) =>
        _duration is null && !InTrace() ? call(_inner, args, cancellationToken) : Traced(operation, args, call, cancellationToken);

    // The span is started inside the async method, so that it is Activity.Current only for the
    // store call and never leaks into the caller's execution context.
    private async ValueTask<T> Traced<TArgs, T>(string operation, TArgs args, Func<IStateStore, TArgs, CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        using var activity = StartSpan(operation);
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await call(_inner, args, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Failed(operation, activity, ex);
            throw;
        }
        finally
        {
            _duration?.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("operation", operation));
        }
    }

    private async ValueTask Traced<TArgs>(string operation, TArgs args, Func<IStateStore, TArgs, CancellationToken, ValueTask> call, CancellationToken cancellationToken)
    {
        using var activity = StartSpan(operation);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await call(_inner, args, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Failed(operation, activity, ex);
            throw;
        }
        finally
        {
            _duration?.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("operation", operation));
        }
    }

    /// <summary>Spans only inside a trace: a background sweep's store calls would otherwise each be a root span.</summary>
    private static bool InTrace() => Activity.Current is not null && GatewayActivitySource.Source.HasListeners();

    private static Activity? StartSpan(string operation)
    {
        if (!InTrace())
        {
            return null;
        }

        var activity = GatewayActivitySource.Source.StartActivity(GatewayActivitySource.StoreSpan + " " + operation, ActivityKind.Client);
        activity?.SetTag(GatewaySpanAttributes.StoreOperation, operation);
        return activity;
    }

    private void Failed(string operation, Activity? activity, Exception error)
    {
        var kind = KindOf(error);
        if (activity is not null)
        {
            activity.SetTag(GatewaySpanAttributes.ErrorType, kind);
            activity.SetStatus(ActivityStatusCode.Error);
        }

        _errors?.Add(1, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("error.kind", kind));
    }

    /// <summary>The same error kinds as the Redis store's <c>gateway.store.errors</c>.</summary>
    private static string KindOf(Exception error) => error switch
    {
        StateStoreUnavailableException { InnerException: TimeoutException } => "timeout",
        StateStoreUnavailableException => "unavailable",
        OperationCanceledException => "canceled",
        _ => "other",
    };
}
