using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Gateway.Proxy.Telemetry;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Telemetry;

/// <summary>
/// The real gateway exports traces, metrics and logs over OTLP/HTTP to a real receiver, configured
/// only by OTEL_* settings, and the request span carries the governed request's identity and decision.
/// </summary>
[Collection(ProcessMetersCollection.Name)]
public sealed class OtlpExportTests
{
    private const string EvaluateBody = """{"tool":"crm.read_contact","args":{"id":"42"}}""";
    // A liveness bound (fail instead of hang), not a speed requirement: on a loaded machine the export took
    // 7 s alone and ran past a 12 s bound inside the full suite.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task GovernedRequest_IsExportedAsSpansMetricsAndLogs_OverOtlpHttp()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var bundle = DemoBundle.Create();
        await using var gateway = await GatewayHost.StartAsync(bundle.Directory, new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.GetLeftPart(UriPartial.Authority),
            ["OTEL_SERVICE_NAME"] = "gateway-otlp-test",
            ["OTEL_RESOURCE_ATTRIBUTES"] = "k8s.pod.name=gateway-0,team=platform%20ops",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
            ["Logging:LogLevel:Gateway.Proxy.Telemetry"] = "Information",
        });
        Assert.True(
            gateway.Services.GetService<OpenTelemetry.Trace.TracerProvider>() is not null,
            "GatewayApplication.AddGatewayCore does not call services.AddGatewayTelemetry(configuration, environment) yet.");
        var agent = new AgentClient(gateway.Client, bundle.AgentSecret);

        using var response = await agent.PostJsonAsync("/v1/evaluate", EvaluateBody);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requestId = response.Headers.GetValues("X-Request-Id").Single();

        // Traces: gateway.request (Server) under ASP.NET Core's span, with the store calls under it.
        var request = await EventuallyAsync(
            () => receiver.Spans.FirstOrDefault(s => s.Name == GatewayActivitySource.RequestSpan && s.Attributes.GetValueOrDefault("gateway.request_id") == requestId),
            "a gateway.request span for this request (is app.UseGatewayTelemetry() in the pipeline, right after the request-id middleware?)",
            receiver);
        Assert.Equal(2, request.Kind); // SPAN_KIND_SERVER
        Assert.Equal(GatewayActivitySource.Name, request.Scope);
        Assert.Equal("demo", request.Attributes.GetValueOrDefault("gamut.tenant"));
        Assert.Equal("ws-demo", request.Attributes.GetValueOrDefault("gamut.workspace"));
        Assert.Equal("demo-agent", request.Attributes.GetValueOrDefault("gamut.agent"));
        Assert.Equal("allow", request.Attributes.GetValueOrDefault("gamut.decision"));
        Assert.Equal(string.Empty, request.Attributes.GetValueOrDefault("gamut.failing_controls"));
        Assert.Equal("200", request.Attributes.GetValueOrDefault("http.response.status_code"));
        Assert.Equal("/v1/evaluate", request.Attributes.GetValueOrDefault("http.route"));
        Assert.Equal("gateway-otlp-test", request.Resource.GetValueOrDefault("service.name"));
        Assert.Equal("gateway-0", request.Resource.GetValueOrDefault("k8s.pod.name"));
        Assert.Equal("platform ops", request.Resource.GetValueOrDefault("team"));
        Assert.Equal("Development", request.Resource.GetValueOrDefault("deployment.environment.name"));

        var hosting = await EventuallyAsync(
            () => receiver.Spans.FirstOrDefault(s => s.TraceId == request.TraceId && s.SpanId == request.ParentSpanId),
            "the ASP.NET Core request span, parent of gateway.request",
            receiver);
        Assert.Equal("Microsoft.AspNetCore", hosting.Scope);
        Assert.Equal("POST /v1/evaluate", hosting.Name);
        Assert.Equal("200", hosting.Attributes.GetValueOrDefault("http.response.status_code"));

        var nonce = await EventuallyAsync(
            () => receiver.Spans.FirstOrDefault(s => s.TraceId == request.TraceId && s.Name == "gateway.store admit"),
            "the Admit stage's gateway.store admit span",
            receiver);
        Assert.Equal(3, nonce.Kind); // SPAN_KIND_CLIENT
        // The stages run inside YARP's proxy pipeline, whose span sits between gateway.request and the store call.
        var parent = receiver.Spans.FirstOrDefault(s => s.TraceId == request.TraceId && s.SpanId == nonce.ParentSpanId);
        Assert.True(nonce.ParentSpanId == request.SpanId || (parent is not null && parent.Scope == "Yarp.ReverseProxy" && parent.ParentSpanId == request.SpanId),
            $"the admit span's parent is {parent?.Name ?? nonce.ParentSpanId}, not gateway.request or YARP's pipeline span under it");
        Assert.Equal("admit", nonce.Attributes.GetValueOrDefault("gateway.store.operation"));

        // Metrics: the gateway's own instruments and the built-in ones.
        foreach (var name in new[] { "gateway.decisions", "gateway.decision.duration", "gateway.store.duration", "http.server.request.duration" })
        {
            await EventuallyAsync(() => receiver.Metrics.FirstOrDefault(m => m.Name == name), "metric " + name, receiver);
        }

        // Other gateways of the test run may export decisions under the same meter name first: wait for this one's point.
        await EventuallyAsync(
            () => receiver.Metrics.Where(m => m.Name == "gateway.decisions").SelectMany(m => m.Points)
                .FirstOrDefault(p => p.GetValueOrDefault("decision") == "allow" && p.GetValueOrDefault("tenant") == "demo" && p.GetValueOrDefault("control") == "none"),
            "the gateway.decisions point of this allowed evaluation",
            receiver);
        // The same holds for the store's durations: an earlier export may carry another gateway's points only.
        await EventuallyAsync(
            () => receiver.Metrics.Where(m => m.Name == "gateway.store.duration").SelectMany(m => m.Points)
                .FirstOrDefault(p => p.GetValueOrDefault("operation") == "admit"),
            "a gateway.store.duration point of the admit operation",
            receiver);
        Assert.Equal("s", receiver.Metrics.First(m => m.Name == "gateway.decision.duration").Unit);

        // Logs: structured, with the message's named values as attributes.
        var started = await EventuallyAsync(
            () => receiver.Logs.FirstOrDefault(l => l.Attributes.GetValueOrDefault("ServiceName") == "gateway-otlp-test"),
            "the start-up log record of the telemetry lifetime",
            receiver);
        Assert.Contains("/v1/traces", started.Attributes.GetValueOrDefault("Traces"), StringComparison.Ordinal);

        // Never secrets: neither the agent's secret nor its signature appears anywhere.
        var everything = receiver.Spans.SelectMany(s => s.Attributes.Values)
            .Concat(receiver.Logs.SelectMany(l => l.Attributes.Values.Append(l.Body)));
        Assert.DoesNotContain(everything, v => v.Contains(bundle.AgentSecret, StringComparison.Ordinal));
        Assert.Empty(receiver.Problems);
    }

    private static async Task<T> EventuallyAsync<T>(Func<T?> probe, string what, OtlpReceiver receiver)
        where T : class
    {
        var found = await Eventually.ReturnsAsync(() => Task.FromResult(probe()), static found => found is not null, Patience, _ =>
        {
            var spans = string.Join(", ", receiver.Spans.Select(s => s.Name).Distinct());
            var metrics = string.Join(", ", receiver.Metrics.Select(m => m.Name).Distinct());
            return $"Not received within {Patience.TotalSeconds} s: {what}. Spans: [{spans}]. Metrics: [{metrics}]. Logs: {receiver.Logs.Count}. Problems: [{string.Join("; ", receiver.Problems)}].";
        });
        return found!;
    }
}
