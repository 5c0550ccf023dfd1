using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Gateway.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Gateway.Proxy.Telemetry;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Telemetry;

/// <summary>The store decorator: one client span per call inside a trace, none outside, no leaked current activity.</summary>
public sealed class TracingStateStoreTests : IDisposable
{
    private const string TestSourceName = "Gateway.Proxy.Tests.Telemetry";

    private static readonly ActivitySource TestSource = new(TestSourceName);
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public TracingStateStoreTests()
    {
        _listener = new ActivityListener
        {
            // By name, not by reference: the first test's listener is added before TestSource may exist, and a
            // source created while listeners are asked would not yet be in the static field to compare with.
            ShouldListenTo = static source => source.Name is GatewayActivitySource.Name or TestSourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task InsideATrace_EachCallIsAClientSpan_AndTheCallerKeepsItsCurrentActivity()
    {
        var store = new TracingStateStore(new InMemoryStateStore(), meterFactory: null);
        using var parent = TestSource.StartActivity("test-request")!;

        Assert.True(await store.TrySetIfAbsentAsync("k", "v", TimeSpan.FromMinutes(1)));
        Assert.Equal("v", await store.GetAsync("k"));
        Assert.Same(parent, Activity.Current);

        var spans = _stopped.Where(a => a.TraceId == parent.TraceId && a.Source.Name == GatewayActivitySource.Name).ToList();
        Assert.Equal(["gateway.store set_if_absent", "gateway.store get"], spans.Select(s => s.OperationName));
        Assert.All(spans, s => Assert.Equal(ActivityKind.Client, s.Kind));
        Assert.All(spans, s => Assert.Equal(parent.SpanId, s.ParentSpanId));
        Assert.All(spans, s => Assert.DoesNotContain(s.TagObjects, t => Equals(t.Value, "k") || Equals(t.Value, "v")));
    }

    [Fact]
    public async Task OutsideATrace_NoSpan()
    {
        var store = new TracingStateStore(new InMemoryStateStore(), meterFactory: null);
        var before = _stopped.Count(a => a.OperationName.StartsWith(GatewayActivitySource.StoreSpan, StringComparison.Ordinal) && a.Parent is null);
        Activity.Current = null;

        await store.PingAsync();

        Assert.Equal(before, _stopped.Count(a => a.OperationName == "gateway.store ping" && a.Parent is null));
    }

    [Fact]
    public async Task MemoryStore_IsMeasured_OnTheStoreMeter()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var operations = new InstrumentTagListener<double>(factory, "gateway.store.duration", "operation", meter: "Gateway.Store");
        var store = new TracingStateStore(new InMemoryStateStore(), factory);

        await store.IncrementAsync("counter", 1, null);
        await store.TryAppendAsync("log", 0, "entry");

        Assert.Equal(["increment", "log_append"], operations.Values);
    }

    [Fact]
    public void AddGatewayTelemetry_DecoratesTheRegisteredStoreOnce_AndBuildsNoProviderWithoutEndpoint()
    {
        var configuration = new ConfigurationBuilder().Build();
        var environment = new HostingEnvironment { EnvironmentName = Environments.Development, ApplicationName = "gateway", ContentRootPath = AppContext.BaseDirectory };
        var services = new ServiceCollection().AddLogging().AddMetrics();
        services.AddGatewayStateStore(configuration);
        services.AddGatewayTelemetry(configuration, environment);
        services.AddGatewayTelemetry(configuration, environment);

        using var provider = services.BuildServiceProvider();

        var store = Assert.IsType<TracingStateStore>(provider.GetRequiredService<IStateStore>());
        Assert.IsType<InMemoryStateStore>(store.Inner);
        Assert.Null(provider.GetService<OpenTelemetry.Trace.TracerProvider>());
        Assert.Null(provider.GetService<OpenTelemetry.Metrics.MeterProvider>());
        Assert.Null(provider.GetService<OpenTelemetry.Logs.LoggerProvider>());
    }
}
