using System.Diagnostics;
using OpenTelemetry.Trace;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// Whether a run's own trace (<see cref="RunTrace"/>) is sampled: the configured sampler's decision for a trace of that id
/// with no parent (<c>OTEL_TRACES_SAMPLER</c>: a ratio sampler decides by trace id), so every replica takes the same
/// decision for every action of the run, and a run is traced whole or not at all.
/// </summary>
internal sealed class RunTraceSampling
{
    private readonly Sampler _sampler;

    public RunTraceSampling(TelemetrySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _sampler = settings.Sampler;
    }

    /// <summary>True when the run's trace is recorded.</summary>
    public bool IsSampled(string runId) =>
        _sampler.ShouldSample(new SamplingParameters(default, RunTrace.TraceIdOf(runId), GatewayActivitySource.RunSpan, ActivityKind.Server)).Decision != SamplingDecision.Drop;
}
