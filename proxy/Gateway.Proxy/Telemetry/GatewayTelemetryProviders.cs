using System.Diagnostics.Metrics;
using Gateway.Oversight;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// The OpenTelemetry SDK's tracer, meter and logger providers, built with
/// <see cref="Sdk.CreateTracerProviderBuilder"/> and <see cref="Sdk.CreateMeterProviderBuilder"/> from
/// <see cref="TelemetrySettings"/>, each with a batching OTLP exporter. A signal that is not exported
/// has no provider at all, so the instrumented code pays nothing for it. Disposed with the host;
/// <see cref="GatewayTelemetryLifetime"/> flushes and shuts them down when the host stops.
/// </summary>
internal sealed class GatewayTelemetryProviders : IDisposable
{
    /// <summary>Activity sources the tracer provider listens to.</summary>
    public static readonly IReadOnlyList<string> ActivitySources =
    [
        GatewayActivitySource.Name,
        "Gateway.Store",
        "Microsoft.AspNetCore",
        "System.Net.Http",
        "Yarp.ReverseProxy",
    ];

    /// <summary>Meters the meter provider listens to (YARP 2.1 has EventCounters only, no meter).</summary>
    public static readonly IReadOnlyList<string> Meters =
    [
        GatewayMetrics.MeterName,
        "Gateway.Store",
        OversightMetrics.MeterName,
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics",
        "System.Net.Http",
        "System.Net.NameResolution",
        "System.Runtime",
    ];

    /// <summary>Buckets, in seconds, of the gateway's own duration histograms (the SDK's default buckets suit milliseconds).</summary>
    public static readonly double[] SecondsBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private int _shutdown;

    public GatewayTelemetryProviders(IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        Settings = TelemetrySettings.Read(configuration, environment.EnvironmentName);
        if (Settings.Errors.Count > 0 || !Settings.AnyExported)
        {
            return;
        }

        if (Settings.Traces is { } traces)
        {
            var spans = Settings.Spans;
            var builder = Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(CreateResource())
                .SetSampler(Settings.Sampler)
                .AddProcessor(new BatchActivityExportProcessor(
                    new OtlpTraceExporter(ExporterOptions(traces)),
                    spans.MaxQueueSize,
                    spans.ScheduleDelayMilliseconds,
                    spans.ExportTimeoutMilliseconds,
                    spans.MaxExportBatchSize));
            foreach (var source in ActivitySources)
            {
                builder.AddSource(source);
            }

            TracerProvider = builder.Build();
        }

        if (Settings.Metrics is { } metrics)
        {
            var builder = Sdk.CreateMeterProviderBuilder()
                .SetResourceBuilder(CreateResource())
                .AddView(static instrument => IsGatewaySecondsHistogram(instrument)
                    ? new ExplicitBucketHistogramConfiguration { Boundaries = SecondsBuckets }
                    : null)
                .AddReader(new PeriodicExportingMetricReader(
                    new OtlpMetricExporter(ExporterOptions(metrics)),
                    Settings.MetricExportIntervalMilliseconds,
                    Settings.MetricExportTimeoutMilliseconds)
                {
                    TemporalityPreference = MetricReaderTemporalityPreference.Cumulative,
                });
            foreach (var meter in Meters)
            {
                builder.AddMeter(meter);
            }

            MeterProvider = builder.Build();
        }

        if (Settings.Logs is { } logs)
        {
            var records = Settings.LogRecords;
            var options = new OpenTelemetryLoggerOptions
            {
                IncludeScopes = true,
                IncludeFormattedMessage = true,
            };
            options.SetResourceBuilder(CreateResource());
            options.AddProcessor(new BatchLogRecordExportProcessor(
                new OtlpLogExporter(ExporterOptions(logs)),
                records.MaxQueueSize,
                records.ScheduleDelayMilliseconds,
                records.ExportTimeoutMilliseconds,
                records.MaxExportBatchSize));
            LoggerProvider = new OpenTelemetryLoggerProvider(new FixedOptionsMonitor<OpenTelemetryLoggerOptions>(options));
        }
    }

    public TelemetrySettings Settings { get; }

    public TracerProvider? TracerProvider { get; }

    public MeterProvider? MeterProvider { get; }

    /// <summary>The OpenTelemetry logging provider that <see cref="GatewayOtlpLoggerProvider"/> forwards to.</summary>
    public OpenTelemetryLoggerProvider? LoggerProvider { get; }

    /// <summary>Exports what is buffered and stops the providers; later calls do nothing.</summary>
    public void Shutdown(int timeoutMilliseconds)
    {
        if (Interlocked.Exchange(ref _shutdown, 1) != 0)
        {
            return;
        }

        // Metrics first (their last collection may still log), logs last.
        MeterProvider?.Shutdown(timeoutMilliseconds);
        TracerProvider?.Shutdown(timeoutMilliseconds);
        LoggerProvider?.Dispose();
        MeterProvider?.Dispose();
        TracerProvider?.Dispose();
    }

    public void Dispose() => Shutdown(5000);

    private ResourceBuilder CreateResource() => ResourceBuilder.CreateEmpty().AddTelemetrySdk().AddAttributes(Settings.Resource);

    private static OtlpExporterOptions ExporterOptions(OtlpTarget target)
    {
        var options = new OtlpExporterOptions
        {
            Endpoint = target.Endpoint,
            Protocol = target.Protocol,
            TimeoutMilliseconds = target.TimeoutMilliseconds,
        };
        if (target.Headers is not null)
        {
            options.Headers = target.Headers;
        }

        return options;
    }

    private static bool IsGatewaySecondsHistogram(Instrument instrument) =>
        instrument is Histogram<double>
        && instrument.Unit == "s"
        && (instrument.Meter.Name == GatewayMetrics.MeterName || instrument.Meter.Name.StartsWith(GatewayMetrics.MeterName + ".", StringComparison.Ordinal));

    /// <summary>An options monitor over one fixed value (the SDK's logging provider wants a monitor).</summary>
    private sealed class FixedOptionsMonitor<T> : IOptionsMonitor<T>
    {
        public FixedOptionsMonitor(T value) => CurrentValue = value;

        public T CurrentValue { get; }

        public T Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}
