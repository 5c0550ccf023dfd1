using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Gateway.Store;

/// <summary>
/// The store's instruments on meter <c>Gateway.Store</c>: <c>gateway.store.duration</c> (seconds,
/// per operation: e.g. <c>admit</c>, <c>log_append</c>, and <c>log_append_admit</c> for an audit group appended with its
/// requests' admissions in one script run), <c>gateway.store.errors</c> (per operation and error kind) and
/// <c>gateway.store.admission_batch.size</c> (admissions per batched admission call).
/// </summary>
internal sealed class StateStoreMetrics
{
    public const string MeterName = "Gateway.Store";

    private static readonly Meter SharedMeter = new(MeterName);

    private readonly Histogram<double> _duration;
    private readonly Counter<long> _errors;
    private readonly Histogram<int> _admissionBatch;

    public StateStoreMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(MeterName) ?? SharedMeter;
        _duration = meter.CreateHistogram<double>("gateway.store.duration", unit: "s", description: "Duration of state store operations.");
        _errors = meter.CreateCounter<long>("gateway.store.errors", unit: "{error}", description: "State store operations that failed.");
        _admissionBatch = meter.CreateHistogram<int>("gateway.store.admission_batch.size", unit: "{admission}", description: "Admissions decided by one batched admission call.");
    }

    public void RecordDuration(string operation, TimeSpan elapsed) =>
        _duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("operation", operation));

    public void RecordAdmissionBatch(int size) => _admissionBatch.Record(size);

    public void RecordError(string operation, Exception error)
    {
        var tags = new TagList
        {
            { "operation", operation },
            { "error.kind", KindOf(error) },
        };
        _errors.Add(1, tags);
    }

    private static string KindOf(Exception error) => error switch
    {
        StateStoreUnavailableException { InnerException: TimeoutException } => "timeout",
        StateStoreUnavailableException { InnerException: StackExchange.Redis.RedisServerException } => "server_error",
        StateStoreUnavailableException => "unavailable",
        OperationCanceledException => "canceled",
        _ => "other",
    };
}
