using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Gateway.Proxy.Telemetry;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Telemetry;

/// <summary>
/// A run is one trace, seen by an in-process <see cref="ActivityListener"/> on the real gateway: without a traceparent,
/// the run's start and every action of the run are spans of the run's own trace (trace id = the run id's hex, each
/// request under the run's span); with the agent's traceparent, the agent's trace is honoured; a request of no run is not
/// put in any run's trace.
/// </summary>
public sealed class RunTraceTests : IAsyncLifetime, IDisposable
{
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;
    private GovernedGateway _gw = null!;

    public RunTraceTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name is GatewayActivitySource.Name or "Microsoft.AspNetCore",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task Actions_InRunWithoutTraceparent_AreSpansOfTheRunsOwnTrace()
    {
        var started = await RunCalls.StartAsync(_gw.Agent);
        var run = started.GetProperty("run_id").GetString()!;
        (await RunCalls.InRunAsync(_gw.Agent, run)).Dispose();
        (await RunCalls.InRunAsync(_gw.Agent, run, "/v1/evaluate")).Dispose();
        using (var outside = await _gw.Agent.PostJsonAsync("/v1/evaluate", RunCalls.ReadContact))
        {
            Assert.Equal(HttpStatusCode.OK, outside.StatusCode);
        }

        var traceId = run["run-".Length..];
        Assert.Equal(traceId, started.GetProperty("trace_id").GetString());
        var requests = RequestSpans(run);
        Assert.Equal(2, requests.Count);
        Assert.All(requests, span => Assert.Equal(traceId, span.TraceId.ToHexString()));

        // Each action's server span hangs under the run's span; the run's start is a span of the same trace.
        Assert.All(requests, span => Assert.Equal(RunTrace.RunSpanIdOf(run), span.Parent?.ParentSpanId ?? span.ParentSpanId));
        var start = Assert.Single(_stopped, a => a.OperationName == GatewayActivitySource.RunSpan && (a.GetTagItem(GatewaySpanAttributes.Run) as string) == run);
        Assert.Equal(traceId, start.TraceId.ToHexString());
        Assert.Equal(RunTrace.RunSpanIdOf(run), start.ParentSpanId);
        Assert.DoesNotContain(_stopped, a => a.OperationName == GatewayActivitySource.RequestSpan && a.TraceId.ToHexString() == traceId && a.GetTagItem(GatewaySpanAttributes.Run) is null);
    }

    [Fact]
    public async Task Actions_InRunWithTheAgentsTraceparent_StayInTheAgentsTrace()
    {
        var agentTrace = ActivityTraceId.CreateRandom();
        var traceparent = $"00-{agentTrace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01";
        using var start = _gw.Agent.Create(HttpMethod.Post, "/v1/runs", "{}");
        start.Headers.Add("traceparent", traceparent);
        using var startResponse = await _gw.Agent.SendAsync(start);
        var run = (await DecisionJson.ReadAsync(startResponse, HttpStatusCode.Created)).GetProperty("run_id").GetString()!;
        using var action = _gw.Agent.CreateInRun(HttpMethod.Post, "/v1/evaluate", RunCalls.ReadContact, run);
        action.Headers.Add("traceparent", traceparent);

        using var response = await _gw.Agent.SendAsync(action);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(agentTrace.ToHexString(), Assert.Single(RequestSpans(run)).TraceId.ToHexString());
        Assert.DoesNotContain(_stopped, a => a.OperationName == GatewayActivitySource.RunSpan && (a.GetTagItem(GatewaySpanAttributes.Run) as string) == run);
    }

    // The gateway.request spans of the actions tagged with the run (not the run's own start, whose tool is "run").
    private List<Activity> RequestSpans(string run) =>
        [.. _stopped.Where(a => a.OperationName == GatewayActivitySource.RequestSpan && (a.GetTagItem(GatewaySpanAttributes.Run) as string) == run
            && a.GetTagItem(GatewaySpanAttributes.Tool) is string tool && tool != "run")];
}
