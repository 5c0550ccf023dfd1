using Gateway.Audit;
using Gateway.Proxy.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>The audit log record names its request id so that it never collides with ASP.NET Core's <c>RequestId</c>.</summary>
public sealed class AuditLogAttributeTests
{
    [Fact]
    public async Task ExportAsync_RequestIdAttribute_DoesNotCollideWithAspNetCoresRequestId()
    {
        var logs = new FakeLogCollector();
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(new FakeLoggerProvider(logs)));
        var exporter = new LoggingAuditExporter(factory);

        await exporter.ExportAsync(new AuditRecord
        {
            Seq = 7, Time = DateTimeOffset.UnixEpoch, Tenant = "demo", Agent = "demo-agent", Decision = "allow",
            PrevHash = "0", RequestId = "req_0123456789abcdef01234567",
        });

        var state = Assert.Single(logs.GetSnapshot()).StructuredState;
        Assert.NotNull(state);
        Assert.DoesNotContain(state, pair => pair.Key == "RequestId");
        Assert.Contains(state, pair => pair.Key == "GatewayRequestId" && Equals(pair.Value, "req_0123456789abcdef01234567"));
    }
}
