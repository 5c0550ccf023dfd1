using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>Collects, in order, the values of one tag of one instrument's measurements, of the meters one factory made.</summary>
public sealed class InstrumentTagListener<T> : IDisposable
    where T : struct
{
    private readonly MeterListener _listener = new();

    public InstrumentTagListener(IMeterFactory scope, string instrument, string tag, string? meter = null)
    {
        _listener.InstrumentPublished = (published, listener) =>
        {
            if (ReferenceEquals(published.Meter.Scope, scope) && published.Name == instrument && (meter is null || published.Meter.Name == meter))
            {
                listener.EnableMeasurementEvents(published);
            }
        };
        _listener.SetMeasurementEventCallback<T>((_, _, tags, _) =>
        {
            foreach (var pair in tags)
            {
                if (pair.Key == tag)
                {
                    Values.Enqueue((string)pair.Value!);
                }
            }
        });
        _listener.Start();
    }

    public ConcurrentQueue<string> Values { get; } = new();

    public void Dispose() => _listener.Dispose();
}
