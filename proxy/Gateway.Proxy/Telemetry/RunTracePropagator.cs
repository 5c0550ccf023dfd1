using System.Diagnostics;
using Gateway.Connectors.Signing;
using Gateway.Oversight.Runs;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// The propagator ASP.NET Core reads an incoming request's trace context with: the agent's W3C <c>traceparent</c> when
/// it sends one (as always), else, for a request that names a run (<c>X-Gamut-Run</c> of a run id's form), the run's own
/// trace (<see cref="RunTrace.TraceParentOf"/>), so that the request's server span, the <c>gateway.request</c> span and
/// every span under them are in the run's trace on whichever replica it arrives. The header is read before
/// authentication: it only chooses a trace, as any <c>traceparent</c> a client sends does; it grants nothing.
/// Outgoing requests and baggage are the inner propagator's.
/// </summary>
internal sealed class RunTracePropagator : DistributedContextPropagator
{
    private readonly DistributedContextPropagator _inner;
    private readonly RunTraceSampling _sampling;

    public RunTracePropagator(DistributedContextPropagator inner, RunTraceSampling sampling)
    {
        _inner = inner;
        _sampling = sampling;
    }

    public override IReadOnlyCollection<string> Fields => _inner.Fields;

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter) => _inner.Inject(activity, carrier, setter);

    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
    {
        _inner.ExtractTraceIdAndState(carrier, getter, out traceId, out traceState);
        if (traceId is not null || getter is null)
        {
            return;
        }

        getter(carrier, SignatureHeaders.Run, out var run, out var runs);
        run ??= runs?.Count() == 1 ? runs.First() : null;
        if (RunIds.IsValid(run))
        {
            traceId = RunTrace.TraceParentOf(run!, _sampling.IsSampled(run!));
        }
    }

    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter) => _inner.ExtractBaggage(carrier, getter);
}
