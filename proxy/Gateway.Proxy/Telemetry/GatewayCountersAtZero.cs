using System.Diagnostics.Metrics;
using Gateway.Audit;
using Gateway.Oversight;
using Gateway.Store;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// Makes every counter of the gateway's meters (<c>Gateway</c>, <c>Gateway.*</c>) present at 0, so
/// that a dashboard or an alert on <c>rate(...)</c> sees a series before the first event instead of
/// "no data", and the labelled series the documented alerts select (<see cref="GatewayAlertedSeries"/>) at 0 too, so
/// that <c>increase()</c> counts their first event. Called once the host has started (the meter provider listens by then).
/// </summary>
internal static class GatewayCountersAtZero
{
    public static void Publish(IServiceProvider services)
    {
        // The instruments exist once their owners do: create the owners now rather than on first use.
        _ = services.GetService<GatewayMetrics>();
        _ = services.GetService<OversightMetrics>();
        _ = services.GetService<AuditMetrics>();
        _ = services.GetService<IStateStore>();

        using var listener = new MeterListener
        {
            InstrumentPublished = static (instrument, _) =>
            {
                if (instrument.Meter.Name != GatewayMetrics.MeterName && !instrument.Meter.Name.StartsWith(GatewayMetrics.MeterName + ".", StringComparison.Ordinal))
                {
                    return;
                }

                if (instrument is Counter<long> counter)
                {
                    counter.Add(0);
                    if (GatewayAlertedSeries.Series.TryGetValue(instrument.Name, out var series))
                    {
                        foreach (var tags in series)
                        {
                            counter.Add(0, tags);
                        }
                    }
                }
                else if (instrument is UpDownCounter<long> upDown)
                {
                    upDown.Add(0);
                }
            },
        };
        listener.Start();
    }
}
