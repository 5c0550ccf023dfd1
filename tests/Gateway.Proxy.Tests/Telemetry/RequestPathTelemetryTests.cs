using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Gateway.Proxy.Tests.Telemetry;

/// <summary>
/// What a caller puts in a path or a query (a secret the gateway refuses, control characters) reaches neither the log,
/// at the gateway's production level, nor the exported spans: the framework's per-request lines default to Warning and
/// ASP.NET Core's span names the route it matched.
/// </summary>
[Collection(ProcessMetersCollection.Name)]
public sealed class RequestPathTelemetryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Request_SecretInPathAndQueryAtInformation_ReachesNoLogLine()
    {
        var marker = "planted-" + Guid.NewGuid().ToString("N");
        var logs = new FakeLogCollector();
        using var bundle = DemoBundle.Create();
        await using var gateway = await GatewayHost.StartAsync(bundle.Directory, new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Information" },
            configure: builder => builder.Logging.AddProvider(new FakeLoggerProvider(logs)));

        using var provider = await gateway.Client.GetAsync($"/providers/crm/r/{marker}?k={marker}");
        using var admin = await gateway.Client.GetAsync($"/admin/v1/tenants/x%0D%1B%5B2Kforged/approvals?token={marker}");

        Assert.Equal(HttpStatusCode.Unauthorized, admin.StatusCode);
        Assert.NotEmpty(logs.GetSnapshot());
        Assert.DoesNotContain(logs.GetSnapshot(), r => r.Message.Contains(marker, StringComparison.Ordinal) || r.Message.AsSpan().ContainsAny('\r', '\u001b'));
    }

    [Fact]
    public async Task Redirect_CodeStateAndGrantInItsLocationAtInformation_ReachNoLogLine()
    {
        var marker = "planted-" + Guid.NewGuid().ToString("N");
        var logs = new FakeLogCollector();
        using var bundle = DemoBundle.Create();
        await using var gateway = await GatewayHost.StartAsync(bundle.Directory, new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Information" },
            configure: builder => builder.Logging.AddProvider(new FakeLoggerProvider(logs)));
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = gateway.BaseAddress };

        // An upstream's authorization code and state, and a link grant, passed on to the console by redirects.
        using var callback = await client.GetAsync($"/connections/{DemoBundle.Tenant}/callback?code={marker}&state={marker}");
        using var link = await client.GetAsync($"/connections/{DemoBundle.Tenant}/crm/link?grant={marker}");

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Contains(marker, callback.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, link.StatusCode);
        Assert.NotEmpty(logs.GetSnapshot());
        Assert.DoesNotContain(logs.GetSnapshot(), r => r.Message.Contains(marker, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Redirect_CodeStateAndGrantWithTheProvidersOwnDefaultAtInformation_ReachNoLogLine()
    {
        var marker = "planted-" + Guid.NewGuid().ToString("N");
        var logs = new FakeLogCollector();
        using var bundle = DemoBundle.Create();

        // A provider's own Default (Logging:Console:LogLevel:Default, here the capturing provider's alias) beats general rules.
        await using var gateway = await GatewayHost.StartAsync(bundle.Directory, new Dictionary<string, string?> { ["Logging:Fake:LogLevel:Default"] = "Information" },
            configure: builder => builder.Logging.AddProvider(new FakeLoggerProvider(logs)));
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = gateway.BaseAddress };

        using var callback = await client.GetAsync($"/connections/{DemoBundle.Tenant}/callback?code={marker}&state={marker}");
        using var link = await client.GetAsync($"/connections/{DemoBundle.Tenant}/crm/link?grant={marker}");
        using var provider = await client.GetAsync($"/providers/crm/r/{marker}?k={marker}");

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, link.StatusCode);
        Assert.NotEmpty(logs.GetSnapshot());
        Assert.DoesNotContain(logs.GetSnapshot(), r => r.Message.Contains(marker, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Request_SecretInQueryWithTheExportersOwnDefaultAtInformation_ReachesNoExportedLogRecord()
    {
        var marker = "planted-" + Guid.NewGuid().ToString("N");
        await using var receiver = await OtlpReceiver.StartAsync();
        using var bundle = DemoBundle.Create();
        await using var gateway = await GatewayHost.StartAsync(bundle.Directory, new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.GetLeftPart(UriPartial.Authority),
            ["OTEL_SERVICE_NAME"] = "gateway-path-otel-level-test",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:OpenTelemetry:LogLevel:Default"] = "Information",
        });

        using var response = await gateway.Client.GetAsync($"/providers/crm/r/{marker}?k={marker}");
        var requestId = response.Headers.GetValues("X-Request-Id").Single();

        await Eventually.ReturnsAsync(
            () => Task.FromResult(receiver.Logs.FirstOrDefault(l => l.Attributes.GetValueOrDefault("gateway.request_id") == requestId)),
            static found => found is not null, Patience, _ => $"no log record of the request within {Patience.TotalSeconds} s ({receiver.Logs.Count} records)");
        Assert.DoesNotContain(receiver.Logs, l => l.Body.Contains(marker, StringComparison.Ordinal) || l.Attributes.Values.Any(v => v.Contains(marker, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Request_SecretInPath_ReachesNoExportedSpan()
    {
        var marker = "planted-" + Guid.NewGuid().ToString("N");
        await using var receiver = await OtlpReceiver.StartAsync();
        using var bundle = DemoBundle.Create();
        await using var gateway = await GatewayHost.StartAsync(bundle.Directory, new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.GetLeftPart(UriPartial.Authority),
            ["OTEL_SERVICE_NAME"] = "gateway-path-test",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        });

        using var response = await gateway.Client.GetAsync($"/providers/crm/r/{marker}");

        var span = await Eventually.ReturnsAsync(
            () => Task.FromResult(receiver.Spans.FirstOrDefault(s => s.Scope == "Microsoft.AspNetCore" && s.Name.StartsWith("GET", StringComparison.Ordinal))),
            static found => found is not null, Patience, _ => $"no ASP.NET Core span within {Patience.TotalSeconds} s");
        Assert.DoesNotContain(span!.Attributes.Values, v => v.Contains(marker, StringComparison.Ordinal));
        Assert.Equal(span.Attributes.GetValueOrDefault("http.route"), span.Attributes.GetValueOrDefault("url.path"));
    }

    [Fact]
    public async Task Request_SecretInPath_ReachesNoExportedLogRecordWhichStillNamesTheRequest()
    {
        var marker = "planted-" + Guid.NewGuid().ToString("N");
        await using var receiver = await OtlpReceiver.StartAsync();
        using var bundle = DemoBundle.Create();
        await using var gateway = await GatewayHost.StartAsync(bundle.Directory, new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.GetLeftPart(UriPartial.Authority),
            ["OTEL_SERVICE_NAME"] = "gateway-path-log-test",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
            ["Logging:LogLevel:Default"] = "Information",
        });

        using var response = await gateway.Client.GetAsync($"/providers/crm/r/{marker}?k={marker}");
        var requestId = response.Headers.GetValues("X-Request-Id").Single();

        var named = await Eventually.ReturnsAsync(
            () => Task.FromResult(receiver.Logs.FirstOrDefault(l => l.Attributes.GetValueOrDefault("gateway.request_id") == requestId)),
            static found => found is not null, Patience, _ => $"no log record of the request within {Patience.TotalSeconds} s ({receiver.Logs.Count} records)");
        Assert.False(named!.Attributes.ContainsKey("RequestPath"));
        Assert.DoesNotContain(receiver.Logs, l => l.Body.Contains(marker, StringComparison.Ordinal) || l.Attributes.Values.Any(v => v.Contains(marker, StringComparison.Ordinal)));
    }
}
