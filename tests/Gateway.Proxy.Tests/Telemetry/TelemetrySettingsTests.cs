using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;
using Gateway.Proxy.Telemetry;

namespace Gateway.Proxy.Tests.Telemetry;

/// <summary>How the OTEL_* variables are read: endpoints per signal, protocol, sampler, resource, off switches.</summary>
public sealed class TelemetrySettingsTests
{
    [Fact]
    public void NoEndpoint_ExportsNothing()
    {
        var settings = Read([]);

        Assert.False(settings.AnyExported);
        Assert.NotNull(settings.DisabledReason);
        Assert.Empty(settings.Errors);
    }

    [Fact]
    public void BaseEndpoint_OverHttp_GetsEachSignalsPath()
    {
        var settings = Read(new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318/otlp/" });

        Assert.Equal(new Uri("http://collector:4318/otlp/v1/traces"), settings.Traces!.Endpoint);
        Assert.Equal(new Uri("http://collector:4318/otlp/v1/metrics"), settings.Metrics!.Endpoint);
        Assert.Equal(new Uri("http://collector:4318/otlp/v1/logs"), settings.Logs!.Endpoint);
        Assert.Equal(OtlpExportProtocol.HttpProtobuf, settings.Traces.Protocol);
    }

    [Fact]
    public void Grpc_UsesTheEndpointAsGiven()
    {
        var settings = Read(new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4317", ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc" });

        Assert.Equal(OtlpExportProtocol.Grpc, settings.Metrics!.Protocol);
        Assert.Equal(new Uri("http://collector:4317"), settings.Metrics.Endpoint);
    }

    [Fact]
    public void SignalEndpointAndExporterNone_ApplyPerSignal()
    {
        var settings = Read(new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318",
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "https://traces.example:443/custom",
            ["OTEL_LOGS_EXPORTER"] = "none",
        });

        Assert.Equal(new Uri("https://traces.example:443/custom"), settings.Traces!.Endpoint);
        Assert.NotNull(settings.Metrics);
        Assert.Null(settings.Logs);
    }

    [Fact]
    public void SdkDisabled_WinsOverAnEndpoint()
    {
        var settings = Read(new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318", ["OTEL_SDK_DISABLED"] = "TRUE" });

        Assert.False(settings.AnyExported);
        Assert.Contains("OTEL_SDK_DISABLED", settings.DisabledReason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, MetricCardinality.DefaultLimit)]
    [InlineData("50", 50)]
    [InlineData(" 100000 ", 100_000)]
    public void CardinalityLimit_UnsetOrInRange_IsTaken(string? text, int expected)
    {
        var settings = Read(new() { [MetricCardinality.LimitKey] = text });

        Assert.Equal(expected, settings.MetricCardinalityLimit);
        Assert.Empty(settings.Errors);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("100001")]
    [InlineData("lots")]
    public void CardinalityLimit_OutOfRange_IsAnErrorNamingTheSetting(string text)
    {
        var settings = Read(new() { [MetricCardinality.LimitKey] = text });

        var error = Assert.Single(settings.Errors);
        Assert.Contains(MetricCardinality.LimitKey, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("false", false)]
    [InlineData(" TRUE ", true)]
    public void AllFrameworkInstruments_UnsetOrASwitch_IsTaken(string? text, bool expected)
    {
        var settings = Read(new() { [PerRequestFrameworkInstruments.SettingKey] = text });

        Assert.Equal(expected, settings.AllFrameworkInstruments);
        Assert.Empty(settings.Errors);
    }

    [Fact]
    public void AllFrameworkInstruments_NotASwitch_IsAnErrorNamingTheSetting()
    {
        var settings = Read(new() { [PerRequestFrameworkInstruments.SettingKey] = "yes" });

        var error = Assert.Single(settings.Errors);
        Assert.Contains(PerRequestFrameworkInstruments.SettingKey, error, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedValues_AreErrorsNamingTheVariable_WithoutEchoingHeaders()
    {
        var settings = Read(new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "collector:4318",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "authorization=Bearer s3cret",
            ["OTEL_TRACES_SAMPLER"] = "sometimes",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "-5",
        });

        Assert.Contains(settings.Errors, e => e.Contains("OTEL_EXPORTER_OTLP_ENDPOINT", StringComparison.Ordinal));
        Assert.Contains(settings.Errors, e => e.Contains("OTEL_TRACES_SAMPLER", StringComparison.Ordinal));
        Assert.Contains(settings.Errors, e => e.Contains("OTEL_METRIC_EXPORT_INTERVAL", StringComparison.Ordinal));
        Assert.DoesNotContain(settings.Errors, e => e.Contains("s3cret", StringComparison.Ordinal));
    }

    [Fact]
    public void Sampler_AndBatchSettings_AreHonoured()
    {
        var settings = Read(new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318",
            ["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio",
            ["OTEL_TRACES_SAMPLER_ARG"] = "0.25",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_EXPORTER_OTLP_TIMEOUT"] = "2500",
        });

        Assert.IsType<ParentBasedSampler>(settings.Sampler);
        Assert.Equal("parentbased_traceidratio", settings.SamplerName);
        Assert.Equal(200, settings.Spans.ScheduleDelayMilliseconds);
        Assert.Equal(500, settings.MetricExportIntervalMilliseconds);
        Assert.Equal(2500, settings.Traces!.TimeoutMilliseconds);
        Assert.Empty(settings.Errors);
    }

    [Theory]
    [InlineData(null, null, true, false, SamplingDecision.RecordAndSample)]
    [InlineData("parentbased_traceidratio", "0", true, true, SamplingDecision.Drop)]
    [InlineData("parentbased_traceidratio", "1", true, false, SamplingDecision.RecordAndSample)]
    [InlineData("parentbased_traceidratio", "0", false, true, SamplingDecision.RecordAndSample)]
    [InlineData(null, null, false, false, SamplingDecision.Drop)]
    [InlineData("parentbased_always_off", null, true, true, SamplingDecision.RecordAndSample)]
    public void Sampler_RemoteParentsFlagsDecideNothingLocalParentsAreFollowed(string? sampler, string? ratio, bool remote, bool sampled, SamplingDecision expected)
    {
        var settings = Read(new() { ["OTEL_TRACES_SAMPLER"] = sampler, ["OTEL_TRACES_SAMPLER_ARG"] = ratio });
        var parent = new ActivityContext(
            ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(),
            sampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None, isRemote: remote);

        var decision = settings.Sampler.ShouldSample(new SamplingParameters(parent, parent.TraceId, "GET /", ActivityKind.Server)).Decision;

        Assert.Equal(expected, decision);
    }

    [Fact]
    public void Resource_ServiceNameBeatsResourceAttributes_AndDefaultsToGateway()
    {
        Assert.Equal("gateway", Read([]).Resource["service.name"]);

        var settings = Read(new()
        {
            ["OTEL_RESOURCE_ATTRIBUTES"] = "service.name=from-attributes,k8s.namespace.name=gw%2Dprod",
            ["OTEL_SERVICE_NAME"] = "gateway-eu",
        });

        Assert.Equal("gateway-eu", settings.Resource["service.name"]);
        Assert.Equal("gw-prod", settings.Resource["k8s.namespace.name"]);
        Assert.Equal("Production", settings.Resource["deployment.environment.name"]);
    }

    private static TelemetrySettings Read(Dictionary<string, string?> values) =>
        TelemetrySettings.Read(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), "Production");
}
