using System.Globalization;
using Gateway.Proxy.Telemetry;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using KestrelUpstream = Gateway.Proxy.Tests.Infrastructure.KestrelUpstream;

namespace Gateway.Proxy.Tests.Telemetry;

/// <summary>
/// The URLs the gateway calls out to carry what must not leave it: an agent's arguments in a connector's path
/// (<c>/contacts/{id}</c>), a chat webhook's credential in its path. Its HttpClient spans name the origin alone, and its
/// clients write no log line with the URL, even with every category at <c>Information</c>.
/// </summary>
[Collection(ProcessMetersCollection.Name)]
public sealed class OutboundUrlTelemetryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task InvokeTool_ArgumentInTheUpstreamPath_ReachesNoExportedSpan()
    {
        var marker = "planted-" + Guid.NewGuid().ToString("N");
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var gw = await GovernedGateway.StartAsync(configure: builder => builder.Configuration.AddInMemoryCollection(Traces(receiver, "gateway-upstream-url-test")));

        using (var allowed = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", $$$"""{"tool":"crm.read_contact","args":{"id":"{{{marker}}}"}}"""))
        {
            await DecisionJson.DecisionAsync(allowed, "allow");
        }

        Assert.Single(gw.Upstream.To("/crm/contacts/" + marker));
        var upstreamPort = new Uri(gw.Upstream.Origin).Port.ToString(CultureInfo.InvariantCulture);
        var span = await ClientSpanToAsync(receiver, upstreamPort);
        Assert.Equal(gw.Upstream.Origin, span.Attributes.GetValueOrDefault("url.full"));
        Assert.DoesNotContain(receiver.Spans, s => s.Name.Contains(marker, StringComparison.Ordinal) || s.Attributes.Values.Any(v => v.Contains(marker, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Approval_ChatWebhookWithTracesAndLogsAtInformation_ReachesNoLogLineAndNoSpan()
    {
        var marker = "planted-" + Guid.NewGuid().ToString("N");
        await using var webhook = await KestrelUpstream.StartAsync(app => app.MapPost("/services/T/B/{token}", static () => Results.Ok()));
        await using var receiver = await OtlpReceiver.StartAsync();
        var logs = new FakeLogCollector();
        var settings = Traces(receiver, "gateway-webhook-url-test");
        settings["Logging:LogLevel:Default"] = "Information";
        settings["OTEL_BLRP_SCHEDULE_DELAY"] = "200";
        settings["Gateway:Notifications:PublicOrigin"] = "https://gateway.example.com";
        settings["Gateway:Notifications:Tenants:demo:WebhookUrl"] = $"{webhook.Origin}/services/T/B/{marker}";
        await using var gw = await GovernedGateway.StartAsync(configure: builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.AddProvider(new FakeLoggerProvider(logs));
        });

        await ApprovalCalls.RequestApprovalAsync(gw.Agent, """{"tool":"payments.refund","args":{"order":"o-1","amount":25}}""");

        // The notifier's own line (event 4900) is written once the webhook has answered: every line of the send is in by then.
        await Eventually.HoldsAsync(() => logs.GetSnapshot().Any(static r => r.Id.Id == 4900), Patience, () => $"not notified (webhook calls: {webhook.Received.Count})");
        Assert.Single(webhook.Received);
        var span = await ClientSpanToAsync(receiver, new Uri(webhook.Origin).Port.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(webhook.Origin, span.Attributes.GetValueOrDefault("url.full"));
        Assert.DoesNotContain(logs.GetSnapshot(), r => r.Message.Contains(marker, StringComparison.Ordinal));
        Assert.DoesNotContain(receiver.Spans, s => s.Name.Contains(marker, StringComparison.Ordinal) || s.Attributes.Values.Any(v => v.Contains(marker, StringComparison.Ordinal)));
        Assert.DoesNotContain(receiver.Logs, l => l.Body.Contains(marker, StringComparison.Ordinal) || l.Attributes.Values.Any(v => v.Contains(marker, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task HttpClientFactory_AnyClientWithItsCategoryRaisedToInformation_LogsNoUrl()
    {
        var marker = "planted-" + Guid.NewGuid().ToString("N");
        await using var listener = await KestrelUpstream.StartAsync(app => app.MapGet("/{token}", static () => Results.Ok()));
        var logs = new FakeLogCollector();
        using var bundle = DemoBundle.Create();
        await using var gateway = await GatewayHost.StartAsync(bundle.Directory, new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Information",
        }, configure: builder => builder.Logging.AddProvider(new FakeLoggerProvider(logs)));

        // A client of the gateway's container by any name (the audit witness's, a remote agent's card's) takes the defaults.
        using var response = await gateway.Services.GetRequiredService<IHttpClientFactory>().CreateClient("any").GetAsync($"{listener.Origin}/{marker}");

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.NotEmpty(logs.GetSnapshot());
        Assert.DoesNotContain(logs.GetSnapshot(), r => r.Message.Contains(marker, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("https://hooks.slack.com/services/T0/B0/secret", "https://hooks.slack.com")]
    [InlineData("http://user:password@127.0.0.1:8080/contacts/c-1?q=*", "http://127.0.0.1:8080")]
    [InlineData("https://[::1]:8443/x", "https://[::1]:8443")]
    [InlineData("/relative/path", null)]
    public void Origin_UrlWithPathQueryOrUserInformation_IsItsSchemeHostAndPortAlone(string url, string? origin) =>
        Assert.Equal(origin, HttpClientSpanUrlProcessor.Origin(url));

    private static Dictionary<string, string?> Traces(OtlpReceiver receiver, string service) => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.GetLeftPart(UriPartial.Authority),
        ["OTEL_SERVICE_NAME"] = service,
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
    };

    /// <summary>The exported HttpClient span of the gateway's call to the server on <paramref name="port"/>.</summary>
    private static async Task<OtlpSpan> ClientSpanToAsync(OtlpReceiver receiver, string port) =>
        (await Eventually.ReturnsAsync(
            () => Task.FromResult(receiver.Spans.FirstOrDefault(s => s.Scope == "System.Net.Http" && s.Attributes.GetValueOrDefault("server.port") == port)),
            static found => found is not null, Patience, _ => $"no System.Net.Http span to port {port} within {Patience.TotalSeconds} s ({receiver.Spans.Count} spans)"))!;
}
