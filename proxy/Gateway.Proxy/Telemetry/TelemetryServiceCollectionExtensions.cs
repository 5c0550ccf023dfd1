using System.Diagnostics.Metrics;
using Gateway.Oversight;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using OpenTelemetry;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// Registers the gateway's OpenTelemetry: <c>AddOpenTelemetry()</c> with the ASP.NET Core and HttpClient instrumentations
/// (client spans cut to the URL's origin), and HTTP client factory clients without logging handlers.
/// </summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>The key under which the undecorated store stays registered (the container still owns and disposes it).</summary>
    internal const string UndecoratedStoreKey = "Gateway.Telemetry.UndecoratedStore";

    /// <summary>Activity sources the tracer provider listens to (besides the instrumentations' own).</summary>
    internal static readonly IReadOnlyList<string> ActivitySources =
    [
        GatewayActivitySource.Name,
        "Gateway.Store",
        "Yarp.ReverseProxy",
    ];

    /// <summary>Meters the meter provider listens to (besides the instrumentations' own; YARP has EventCounters only).</summary>
    internal static readonly IReadOnlyList<string> Meters =
    [
        GatewayMetrics.MeterName,
        "Gateway.Store",
        OversightMetrics.MeterName,
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics",
        "System.Net.NameResolution",
        "System.Runtime",
    ];

    /// <summary>
    /// Buckets, in seconds, of the gateway's own duration histograms (the SDK's default buckets suit
    /// milliseconds); a histogram that advises its own (<see cref="GatewayMetrics.StageBuckets"/>) keeps them.
    /// </summary>
    internal static readonly double[] SecondsBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    /// <summary>
    /// Adds OpenTelemetry the standard way (<c>AddOpenTelemetry()</c>): OTLP export configured by the
    /// standard <c>OTEL_*</c> variables (a signal without an endpoint gets no provider at all), the
    /// Prometheus <c>/metrics</c> endpoint on its own port when <c>Gateway:Metrics:Port</c> is set, and
    /// store spans around the registered <see cref="IStateStore"/>: call it after
    /// <c>AddGatewayStateStore</c>. Pair it with <c>app.UseGatewayTelemetry()</c> in the pipeline.
    /// Malformed settings stop the gateway at start-up, every error named.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The application's configuration (environment variables included).</param>
    /// <param name="environment">The host environment (its name becomes <c>deployment.environment.name</c>).</param>
    public static IServiceCollection AddGatewayTelemetry(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        if (services.Any(static d => d.ServiceType == typeof(TelemetrySettings)))
        {
            return services;
        }

        // The client factory's handlers log each request's URL: its path may carry a credential (a chat webhook's token) or
        // an agent's arguments. No client of the gateway's container has them (FrameworkLogLevels lowers the category too).
        services.ConfigureHttpClientDefaults(static client => client.RemoveAllLoggers());

        var settings = TelemetrySettings.Read(configuration, environment.EnvironmentName);
        var errors = new List<string>();
        settings.MetricsEndpoint.AddListener(configuration, errors);
        settings.AddErrors(errors);
        services.AddSingleton(settings);

        // A request naming a run and no traceparent is in the run's own trace (docs/observability.md, "Traces").
        services.AddSingleton<RunTraceSampling>();
        services.AddSingleton<System.Diagnostics.DistributedContextPropagator>(static sp =>
            new RunTracePropagator(System.Diagnostics.DistributedContextPropagator.Current, sp.GetRequiredService<RunTraceSampling>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, GatewayTelemetryLifetime>());
        DecorateStateStore(services);
        if (settings.Errors.Count > 0)
        {
            return services;
        }

        var telemetry = services.AddOpenTelemetry();
        if (settings.Traces is { } traces)
        {
            telemetry.WithTracing(tracing => ConfigureTracing(tracing, settings, traces));
        }

        if (settings.Metrics is not null || settings.MetricsEndpoint.Enabled)
        {
            telemetry.WithMetrics(metrics => ConfigureMetrics(metrics, settings));
        }

        if (settings.Logs is { } logs)
        {
            telemetry.WithLogging(
                logging => logging.SetResourceBuilder(CreateResource(settings)).AddProcessor(new RequestIdLogProcessor()).AddProcessor(new BatchLogRecordExportProcessor(
                    new OtlpLogExporter(ExporterOptions(logs)),
                    settings.LogRecords.MaxQueueSize,
                    settings.LogRecords.ScheduleDelayMilliseconds,
                    settings.LogRecords.ExportTimeoutMilliseconds,
                    settings.LogRecords.MaxExportBatchSize)),
                static options =>
                {
                    // No scopes: ASP.NET Core's request scope holds the path as sent; RequestIdLogProcessor adds the request id.
                    options.IncludeScopes = false;
                    options.IncludeFormattedMessage = true;
                });
        }

        return services;
    }

    private static void ConfigureTracing(TracerProviderBuilder tracing, TelemetrySettings settings, OtlpTarget traces)
    {
        var spans = settings.Spans;
        tracing.SetResourceBuilder(CreateResource(settings))
            .SetSampler(settings.Sampler)
            .AddAspNetCoreInstrumentation(options =>
            {
                options.Filter = context => !GatewayMetricsEndpoint.IsScrape(context, settings.MetricsEndpoint);
                // The path as sent may carry what must not leave the gateway (a secret an agent put in it, which the gateway
                // refuses, a link's grant): the span names the route it matched instead, or no path.
                options.EnrichWithHttpResponse = static (activity, _) => activity.SetTag("url.path", activity.GetTagItem("http.route"));
            })
            .AddHttpClientInstrumentation()
            .AddNpgsql()

            // The client spans' URL names the origin alone (the path may hold an agent's arguments or a webhook's credential).
            .AddProcessor(new HttpClientSpanUrlProcessor())
            .AddProcessor(new BatchActivityExportProcessor(
                new OtlpTraceExporter(ExporterOptions(traces)),
                spans.MaxQueueSize,
                spans.ScheduleDelayMilliseconds,
                spans.ExportTimeoutMilliseconds,
                spans.MaxExportBatchSize));
        foreach (var source in ActivitySources)
        {
            tracing.AddSource(source);
        }
    }

    private static void ConfigureMetrics(MeterProviderBuilder metrics, TelemetrySettings settings)
    {
        metrics.SetResourceBuilder(CreateResource(settings))
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddView(instrument => StreamFor(instrument, settings));
        foreach (var meter in Meters)
        {
            metrics.AddMeter(meter);
        }

        if (settings.Metrics is { } target)
        {
            metrics.AddReader(new PeriodicExportingMetricReader(
                new OtlpMetricExporter(ExporterOptions(target)),
                settings.MetricExportIntervalMilliseconds,
                settings.MetricExportTimeoutMilliseconds)
            {
                TemporalityPreference = MetricReaderTemporalityPreference.Cumulative,
            });
        }

        if (settings.MetricsEndpoint.Enabled)
        {
            metrics.AddPrometheusExporter();
        }
    }

    private static ResourceBuilder CreateResource(TelemetrySettings settings) =>
        ResourceBuilder.CreateEmpty().AddTelemetrySdk().AddAttributes(settings.Resource);

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

    /// <summary>
    /// How <paramref name="instrument"/> is aggregated: dropped if it is a <see cref="PerRequestFrameworkInstruments"/> one
    /// not asked for, else its cardinality limit, and seconds buckets for the gateway's own histograms.
    /// </summary>
    private static MetricStreamConfiguration StreamFor(Instrument instrument, TelemetrySettings settings)
    {
        if (!settings.AllFrameworkInstruments && PerRequestFrameworkInstruments.Contains(instrument))
        {
            return MetricStreamConfiguration.Drop;
        }

        var limit = MetricCardinality.LimitFor(instrument, settings.MetricCardinalityLimit);
        return IsGatewaySecondsHistogram(instrument)
            ? new ExplicitBucketHistogramConfiguration { Boundaries = SecondsBuckets, CardinalityLimit = limit }
            : new MetricStreamConfiguration { CardinalityLimit = limit };
    }

    /// <summary>A histogram in seconds on a gateway meter that does not name its own buckets (<see cref="InstrumentAdvice{T}"/>).</summary>
    private static bool IsGatewaySecondsHistogram(Instrument instrument) =>
        instrument is Histogram<double> histogram
        && histogram.Advice?.HistogramBucketBoundaries is null
        && instrument.Unit == "s"
        && (instrument.Meter.Name == GatewayMetrics.MeterName || instrument.Meter.Name.StartsWith(GatewayMetrics.MeterName + ".", StringComparison.Ordinal));

    private static void DecorateStateStore(IServiceCollection services)
    {
        if (services.Any(static d => d.IsKeyedService && Equals(d.ServiceKey, UndecoratedStoreKey)))
        {
            return;
        }

        var original = services.LastOrDefault(static d => d.ServiceType == typeof(IStateStore) && !d.IsKeyedService);
        if (original is null)
        {
            return;
        }

        services.Remove(original);
        services.Add(original switch
        {
            { ImplementationInstance: { } instance } => new ServiceDescriptor(typeof(IStateStore), UndecoratedStoreKey, instance),
            { ImplementationFactory: { } factory } => new ServiceDescriptor(typeof(IStateStore), UndecoratedStoreKey, (sp, _) => factory(sp), original.Lifetime),
            _ => new ServiceDescriptor(typeof(IStateStore), UndecoratedStoreKey, original.ImplementationType!, original.Lifetime),
        });
        services.Add(new ServiceDescriptor(
            typeof(IStateStore),
            static sp => new TracingStateStore(sp.GetRequiredKeyedService<IStateStore>(UndecoratedStoreKey), sp.GetService<IMeterFactory>()),
            original.Lifetime));
    }
}
