using System.Diagnostics;
using System.Net;
using Gateway.Proxy.Telemetry;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Telemetry;

/// <summary>
/// A caller's <c>traceparent</c> chooses the trace a request joins, never whether the gateway records it: with the
/// default sampler, a request whose traceparent says "not sampled" (signed or not) still exports its spans, in the caller's trace.
/// </summary>
[Collection(ProcessMetersCollection.Name)]
public sealed class TraceparentSamplingTests
{
    private const string EvaluateBody = """{"tool":"crm.read_contact","args":{"id":"42"}}""";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Request_TraceparentNotSampled_StillExportsItsRequestSpanInTheCallersTrace()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var bundle = DemoBundle.Create();
        await using var gateway = await GatewayHost.StartAsync(bundle.Directory, new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.GetLeftPart(UriPartial.Authority),
            ["OTEL_SERVICE_NAME"] = "gateway-traceparent-test",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        });
        // A client that sends the traceparent it is given (the gateway's tracer in this process would give it its own).
        using var client = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = gateway.BaseAddress };
        var agent = new AgentClient(client, bundle.AgentSecret);
        var signedTrace = ActivityTraceId.CreateRandom().ToHexString();
        var unsignedTrace = ActivityTraceId.CreateRandom().ToHexString();
        using var signed = agent.Create(HttpMethod.Post, "/v1/evaluate", EvaluateBody);
        signed.Headers.Add("traceparent", $"00-{signedTrace}-{ActivitySpanId.CreateRandom().ToHexString()}-00");
        using var unsigned = new HttpRequestMessage(HttpMethod.Post, "/v1/evaluate") { Content = new StringContent(EvaluateBody) };
        unsigned.Headers.Add("traceparent", $"00-{unsignedTrace}-{ActivitySpanId.CreateRandom().ToHexString()}-00");

        using var allowed = await agent.SendAsync(signed);
        using var refused = await client.SendAsync(unsigned);

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        foreach (var (response, trace) in new[] { (allowed, signedTrace), (refused, unsignedTrace) })
        {
            var requestId = response.Headers.GetValues("X-Request-Id").Single();
            var span = await Eventually.ReturnsAsync(
                () => Task.FromResult(receiver.Spans.FirstOrDefault(s => s.Name == GatewayActivitySource.RequestSpan && s.Attributes.GetValueOrDefault("gateway.request_id") == requestId)),
                static found => found is not null, Patience, _ => $"no gateway.request span of {requestId} within {Patience.TotalSeconds} s (spans: {receiver.Spans.Count})");
            Assert.Equal(trace, span!.TraceId);
        }
    }
}
