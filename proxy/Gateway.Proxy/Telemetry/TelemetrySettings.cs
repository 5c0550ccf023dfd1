using System.Globalization;
using System.Reflection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace Gateway.Proxy.Telemetry;

/// <summary>One telemetry signal exported over OTLP.</summary>
internal enum TelemetrySignal
{
    Traces,
    Metrics,
    Logs,
}

/// <summary>Where and how one signal is exported.</summary>
internal sealed record OtlpTarget(Uri Endpoint, OtlpExportProtocol Protocol, string? Headers, int TimeoutMilliseconds);

/// <summary>
/// The standard <c>OTEL_*</c> variables, bound from <see cref="IConfiguration"/> as <see cref="OtelOptions"/> (environment variables
/// are part of it, and tests pass them as settings). Export is off unless an OTLP endpoint is set,
/// whatever the environment; <c>OTEL_SDK_DISABLED=true</c> turns everything off. Malformed values are
/// collected in <see cref="Errors"/> (naming the variable, never echoing a header value) and stop the
/// gateway at start-up. Also carries the Prometheus endpoint's settings (<see cref="MetricsEndpoint"/>).
/// </summary>
internal sealed class TelemetrySettings
{
    public const string DefaultServiceName = "gateway";

    private const int DefaultTimeoutMilliseconds = 10_000;

    private TelemetrySettings()
    {
    }

    /// <summary>Why nothing is exported, or null when at least one signal is.</summary>
    public string? DisabledReason { get; private set; }

    public OtlpTarget? Traces { get; private set; }

    public OtlpTarget? Metrics { get; private set; }

    public OtlpTarget? Logs { get; private set; }

    public IReadOnlyList<string> Errors { get; private set; } = [];

    public Sampler Sampler { get; private set; } = AtTheEdge(new AlwaysOnSampler());

    public string SamplerName { get; private set; } = "parentbased_always_on";

    /// <summary>Resource attributes: service.name, service.version, service.instance.id, deployment.environment.name, then OTEL_RESOURCE_ATTRIBUTES.</summary>
    public IReadOnlyDictionary<string, object> Resource { get; private set; } = new Dictionary<string, object>();

    public int MetricExportIntervalMilliseconds { get; private set; } = 60_000;

    public int MetricExportTimeoutMilliseconds { get; private set; } = 30_000;

    public BatchSettings Spans { get; private set; } = new(2048, 5000, 30_000, 512);

    public BatchSettings LogRecords { get; private set; } = new(2048, 1000, 30_000, 512);

    public bool AnyExported => Traces is not null || Metrics is not null || Logs is not null;

    /// <summary>The Prometheus <c>/metrics</c> listener (a gateway setting, not an <c>OTEL_*</c> one).</summary>
    public MetricsEndpointSettings MetricsEndpoint { get; private set; } = new(null, "*");

    /// <summary>Tag combinations kept per instrument whose tags an operator's registrations bound (<see cref="MetricCardinality"/>).</summary>
    public int MetricCardinalityLimit { get; private set; } = MetricCardinality.DefaultLimit;

    /// <summary>Whether <see cref="PerRequestFrameworkInstruments"/> are kept (off by default: no dashboard reads them).</summary>
    public bool AllFrameworkInstruments { get; private set; }

    /// <summary>Adds errors found after reading (the metrics listener's port against the gateway's own).</summary>
    public void AddErrors(IEnumerable<string> errors) => Errors = [.. Errors, .. errors];

    public static TelemetrySettings Read(IConfiguration configuration, string environmentName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = new TelemetrySettings();
        var errors = new List<string>();
        var variables = configuration.Get<OtelOptions>() ?? new OtelOptions();
        settings.Resource = ReadResource(variables, environmentName, errors);
        var metrics = configuration.GetSection(MetricsEndpointOptions.SectionName).Get<MetricsEndpointOptions>() ?? new MetricsEndpointOptions();
        settings.MetricsEndpoint = MetricsEndpointSettings.Read(metrics, errors);
        settings.MetricCardinalityLimit = ReadCardinalityLimit(metrics.CardinalityLimit, errors);
        settings.AllFrameworkInstruments = ReadSwitch(metrics.AllFrameworkInstruments, PerRequestFrameworkInstruments.SettingKey, errors);

        if (IsTrue(variables["OTEL_SDK_DISABLED"]))
        {
            settings.DisabledReason = "OTEL_SDK_DISABLED is true";
            settings.Errors = errors;
            return settings;
        }

        settings.Traces = ReadTarget(variables, TelemetrySignal.Traces, errors);
        settings.Metrics = ReadTarget(variables, TelemetrySignal.Metrics, errors);
        settings.Logs = ReadTarget(variables, TelemetrySignal.Logs, errors);
        if (!settings.AnyExported)
        {
            settings.DisabledReason = "no OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT)";
        }

        (settings.Sampler, settings.SamplerName) = ReadSampler(variables, errors);
        settings.MetricExportIntervalMilliseconds = ReadMilliseconds(variables, "OTEL_METRIC_EXPORT_INTERVAL", 60_000, errors);
        settings.MetricExportTimeoutMilliseconds = ReadMilliseconds(variables, "OTEL_METRIC_EXPORT_TIMEOUT", 30_000, errors);
        settings.Spans = ReadBatch(variables, "OTEL_BSP_", 5000, errors);
        settings.LogRecords = ReadBatch(variables, "OTEL_BLRP_", 1000, errors);
        settings.Errors = errors;
        return settings;
    }

    private static OtlpTarget? ReadTarget(OtelOptions variables, TelemetrySignal signal, List<string> errors)
    {
        var name = signal.ToString().ToUpperInvariant();
        var exporter = variables[$"OTEL_{name}_EXPORTER"];
        if (!string.IsNullOrWhiteSpace(exporter))
        {
            var exporters = exporter.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (exporters.Contains("none", StringComparer.OrdinalIgnoreCase))
            {
                return null;
            }

            if (!exporters.Contains("otlp", StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"OTEL_{name}_EXPORTER names no supported exporter: use 'otlp' or 'none'.");
                return null;
            }
        }

        var protocolVariable = $"OTEL_EXPORTER_OTLP_{name}_PROTOCOL";
        var protocolText = variables[protocolVariable];
        if (string.IsNullOrWhiteSpace(protocolText))
        {
            protocolVariable = "OTEL_EXPORTER_OTLP_PROTOCOL";
            protocolText = variables[protocolVariable];
        }

        var protocol = OtlpExportProtocol.HttpProtobuf;
        switch (protocolText?.Trim().ToLowerInvariant())
        {
            case null or "" or "http/protobuf":
                break;
            case "grpc":
                protocol = OtlpExportProtocol.Grpc;
                break;
            default:
                errors.Add($"{protocolVariable} must be 'http/protobuf' or 'grpc' (http/json is not supported).");
                return null;
        }

        Uri endpoint;
        var signalVariable = $"OTEL_EXPORTER_OTLP_{name}_ENDPOINT";
        if (variables[signalVariable] is { Length: > 0 } signalEndpoint)
        {
            // A signal's own endpoint is used as given.
            if (!TryParseEndpoint(signalEndpoint, out endpoint))
            {
                errors.Add($"{signalVariable} is not an absolute http or https URL.");
                return null;
            }
        }
        else if (variables["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } baseEndpoint)
        {
            if (!TryParseEndpoint(baseEndpoint, out var root))
            {
                errors.Add("OTEL_EXPORTER_OTLP_ENDPOINT is not an absolute http or https URL.");
                return null;
            }

            // Over HTTP the base endpoint gets the signal's path (v1/traces, v1/metrics, v1/logs); gRPC uses it as is.
            endpoint = protocol == OtlpExportProtocol.Grpc ? root : AppendSignalPath(root, signal);
        }
        else
        {
            return null;
        }

        var headers = variables[$"OTEL_EXPORTER_OTLP_{name}_HEADERS"] is { Length: > 0 } signalHeaders
            ? signalHeaders
            : variables["OTEL_EXPORTER_OTLP_HEADERS"];
        var timeoutVariable = variables[$"OTEL_EXPORTER_OTLP_{name}_TIMEOUT"] is { Length: > 0 } ? $"OTEL_EXPORTER_OTLP_{name}_TIMEOUT" : "OTEL_EXPORTER_OTLP_TIMEOUT";
        var timeout = ReadMilliseconds(variables, timeoutVariable, DefaultTimeoutMilliseconds, errors);
        return new OtlpTarget(endpoint, protocol, string.IsNullOrWhiteSpace(headers) ? null : headers, timeout);
    }

    internal static Uri AppendSignalPath(Uri root, TelemetrySignal signal)
    {
        var path = signal switch
        {
            TelemetrySignal.Traces => "v1/traces",
            TelemetrySignal.Metrics => "v1/metrics",
            _ => "v1/logs",
        };
        var builder = new UriBuilder(root);
        builder.Path = builder.Path.EndsWith('/') ? builder.Path + path : builder.Path + "/" + path;
        return builder.Uri;
    }

    private static bool TryParseEndpoint(string text, out Uri endpoint) =>
        Uri.TryCreate(text.Trim(), UriKind.Absolute, out endpoint!) && (endpoint.Scheme == Uri.UriSchemeHttp || endpoint.Scheme == Uri.UriSchemeHttps);

    private static (Sampler Sampler, string Name) ReadSampler(OtelOptions variables, List<string> errors)
    {
        var name = variables["OTEL_TRACES_SAMPLER"]?.Trim().ToLowerInvariant();
        var argument = variables["OTEL_TRACES_SAMPLER_ARG"];
        double ratio = 1.0;
        if (name is "traceidratio" or "parentbased_traceidratio" && !string.IsNullOrWhiteSpace(argument)
            && (!double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out ratio) || ratio is < 0 or > 1))
        {
            errors.Add("OTEL_TRACES_SAMPLER_ARG must be a number between 0 and 1.");
            ratio = 1.0;
        }

        switch (name)
        {
            case null or "" or "parentbased_always_on":
                return (AtTheEdge(new AlwaysOnSampler()), "parentbased_always_on");
            case "always_on":
                return (new AlwaysOnSampler(), name);
            case "always_off":
                return (new AlwaysOffSampler(), name);
            case "traceidratio":
                return (new TraceIdRatioBasedSampler(ratio), name);
            case "parentbased_always_off":
                // The one sampler that leaves the decision to the caller, as its operator chose: nothing is hidden by it
                // (a root is never sampled) and any caller can ask for its request to be traced (a sampled traceparent).
                return (new ParentBasedSampler(new AlwaysOffSampler()), name);
            case "parentbased_traceidratio":
                return (AtTheEdge(new TraceIdRatioBasedSampler(ratio)), name);
            default:
                errors.Add("OTEL_TRACES_SAMPLER must be one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio.");
                return (AtTheEdge(new AlwaysOnSampler()), "parentbased_always_on");
        }
    }

    /// <summary>
    /// Follows a parent made in the gateway; decides with <paramref name="root"/> for a parent a caller sent (its
    /// <c>traceparent</c>'s flags), which any caller, signed or not, chooses: "not sampled" would hide its requests from
    /// tracing, "sampled" would force them into a ratio's sample. The caller's trace id is still the trace's.
    /// </summary>
    private static ParentBasedSampler AtTheEdge(Sampler root) =>
        new(root, remoteParentSampled: root, remoteParentNotSampled: root);

    private static Dictionary<string, object> ReadResource(OtelOptions variables, string environmentName, List<string> errors)
    {
        var attributes = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["service.name"] = DefaultServiceName,
            ["service.instance.id"] = Environment.MachineName,
            ["deployment.environment.name"] = environmentName,
        };
        var version = typeof(TelemetrySettings).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (!string.IsNullOrEmpty(version))
        {
            attributes["service.version"] = version;
        }

        if (variables["OTEL_RESOURCE_ATTRIBUTES"] is { Length: > 0 } text)
        {
            foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    errors.Add("OTEL_RESOURCE_ATTRIBUTES must be a comma-separated list of key=value pairs.");
                    break;
                }

                attributes[Uri.UnescapeDataString(pair[..equals].Trim())] = Uri.UnescapeDataString(pair[(equals + 1)..].Trim());
            }
        }

        if (variables["OTEL_SERVICE_NAME"] is { } serviceName && !string.IsNullOrWhiteSpace(serviceName))
        {
            attributes["service.name"] = serviceName.Trim();
        }

        return attributes;
    }

    private static BatchSettings ReadBatch(OtelOptions variables, string prefix, int defaultDelay, List<string> errors)
    {
        var queue = ReadMilliseconds(variables, prefix + "MAX_QUEUE_SIZE", 2048, errors);
        return new BatchSettings(
            queue,
            ReadMilliseconds(variables, prefix + "SCHEDULE_DELAY", defaultDelay, errors),
            ReadMilliseconds(variables, prefix + "EXPORT_TIMEOUT", 30_000, errors),
            Math.Min(queue, ReadMilliseconds(variables, prefix + "MAX_EXPORT_BATCH_SIZE", 512, errors)));
    }

    /// <summary>A positive integer setting (milliseconds or a count).</summary>
    private static int ReadMilliseconds(OtelOptions variables, string variable, int fallback, List<string> errors) =>
        ReadPositive(variables[variable], fallback, int.MaxValue, $"{variable} must be a positive integer.", errors);

    private static int ReadCardinalityLimit(string? text, List<string> errors) =>
        ReadPositive(text, MetricCardinality.DefaultLimit, MetricCardinality.MaxLimit, $"{MetricCardinality.LimitKey} must be an integer from 1 to {MetricCardinality.MaxLimit}.", errors);

    /// <summary><c>true</c> or <c>false</c> (any case), false when unset; else an error naming <paramref name="key"/>.</summary>
    private static bool ReadSwitch(string? text, string key, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (bool.TryParse(text.Trim(), out var value))
        {
            return value;
        }

        errors.Add($"{key} must be true or false.");
        return false;
    }

    /// <summary>An integer from 1 to <paramref name="max"/>, <paramref name="fallback"/> when unset; else <paramref name="error"/>.</summary>
    private static int ReadPositive(string? text, int fallback, int max, string error, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 && value <= max)
        {
            return value;
        }

        errors.Add(error);
        return fallback;
    }

    private static bool IsTrue(string? value) => string.Equals(value?.Trim(), "true", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Batch export settings (<c>OTEL_BSP_*</c> for spans, <c>OTEL_BLRP_*</c> for log records).</summary>
internal sealed record BatchSettings(int MaxQueueSize, int ScheduleDelayMilliseconds, int ExportTimeoutMilliseconds, int MaxExportBatchSize);
