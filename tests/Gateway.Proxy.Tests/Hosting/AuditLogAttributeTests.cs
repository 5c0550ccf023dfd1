using Gateway.Audit;
using Gateway.Proxy.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>The audit log record names its request id so that it never collides with ASP.NET Core's <c>RequestId</c>.</summary>
public sealed class AuditLogAttributeTests
{
    [Fact]
    public async Task ExportAsync_RequestIdAttribute_DoesNotCollideWithAspNetCoresRequestId()
    {
        var provider = new CapturingProvider();
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(provider));
        var exporter = new LoggingAuditExporter(factory);

        await exporter.ExportAsync(new AuditRecord
        {
            Seq = 7, Time = DateTimeOffset.UnixEpoch, Tenant = "demo", Agent = "demo-agent", Decision = "allow",
            PrevHash = "0", RequestId = "req_0123456789abcdef01234567",
        });

        var state = Assert.Single(provider.States);
        Assert.DoesNotContain(state, pair => pair.Key == "RequestId");
        Assert.Contains(state, pair => pair.Key == "GatewayRequestId" && Equals(pair.Value, "req_0123456789abcdef01234567"));
    }

    private sealed class CapturingProvider : ILoggerProvider, ILogger
    {
        public List<IReadOnlyList<KeyValuePair<string, object?>>> States { get; } = [];

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is IReadOnlyList<KeyValuePair<string, object?>> pairs)
            {
                States.Add([.. pairs]);
            }
        }

        public void Dispose()
        {
        }
    }
}
