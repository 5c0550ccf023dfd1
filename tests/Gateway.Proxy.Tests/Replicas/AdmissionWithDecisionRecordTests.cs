using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Gateway.Audit;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// <c>Gateway:Admission:WithDecisionRecord</c> (on by default): once a replica has seen an agent, its allowed request's
/// admission is made in the decision record's store call, so one store round trip comes before forwarding; the store
/// still has the last word: a replay, a rate limit or a kill switch flipped since is refused after the decision, the
/// refusal recorded as its outcome, nothing forwarded.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class AdmissionWithDecisionRecordTests : IAsyncLifetime
{
    private const string AgentPath = "/admin/v1/tenants/demo/agents/demo-agent";
    private readonly ConcurrentQueue<string> _operations = new();
    private readonly ConcurrentQueue<string[]> _seenAtUpstream = new();
    private KestrelUpstream _crm = null!;
    private ReplicaCluster _cluster = null!;
    private MeterListener? _listener;

    public async Task InitializeAsync()
    {
        _crm = await KestrelUpstream.StartAsync(app => app.MapGet("/crm/contacts/{id}", (string id) =>
        {
            // What the gateway asked of the store before it forwarded this request.
            _seenAtUpstream.Enqueue([.. _operations]);
            return Results.Json(new { id, name = "Ada Lovelace" });
        }));
        _cluster = await ReplicaCluster.StartAsync(
            replicas: 1,
            new Dictionary<string, string> { [ReplicaUpstreams.CrmOrigin] = _crm.Origin },
            ReplicaUpstreams.WithoutCrmCredential);
        var meters = _cluster[0].Services.GetRequiredService<IMeterFactory>();
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == "gateway.store.duration")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "operation" && tag.Value is string operation && (operation.StartsWith("admit", StringComparison.Ordinal) || operation.StartsWith("log_append", StringComparison.Ordinal)))
                {
                    _operations.Enqueue(operation);
                }
            }
        });
        _listener.Start();
    }

    public async Task DisposeAsync()
    {
        _listener?.Dispose();
        await (_cluster?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_crm?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Fact]
    public async Task InvokeTool_AgentSeenBefore_OneStoreCallBeforeForwarding()
    {
        var agent = _cluster.Agent(0);
        await AllowedAsync(agent, "first");
        await SettledAsync();

        await AllowedAsync(agent, "second");

        var seen = _seenAtUpstream.Last();
        Assert.Equal(["log_append_admit"], seen);
    }

    [Fact]
    public async Task InvokeTool_ReplayOfAnAgentSeenBefore_RefusedAfterItsDecisionAndRecordedAsItsOutcome()
    {
        var agent = _cluster.Agent(0);
        await AllowedAsync(agent, "first");
        var original = agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("replayed"));
        var copy = await AgentClient.CloneAsync(original);
        using (var sent = await agent.SendAsync(original))
        {
            Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        }

        using var replayed = await agent.SendAsync(copy);

        await ProblemAssert.IsProblemAsync(replayed, HttpStatusCode.Unauthorized, "replayed_nonce");
        Assert.Equal(2, _crm.Received.Count);
        var requestId = Assert.Single(replayed.Headers.GetValues("X-Request-Id"));
        var statuses = await RecordedStatusesAsync(requestId);
        Assert.Equal([0, 401], statuses.Order());
    }

    [Fact]
    public async Task InvokeTool_AgentSuspendedAfterItWasSeen_BlockedByLifecycleAndNothingForwarded()
    {
        var agent = _cluster.Agent(0);
        await AllowedAsync(agent, "first");
        using (var suspend = await _cluster.Admin(0).PostAsync(AgentPath + "/suspend", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, suspend.StatusCode);
        }

        using var blocked = await agent.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("after"));

        var problem = await ProblemAssert.IsProblemAsync(blocked, HttpStatusCode.Forbidden, "blocked");
        Assert.Equal("block", problem.GetProperty("decision").GetString());
        var lifecycle = problem.GetProperty("explanation").GetProperty("decision_path").EnumerateArray()
            .Single(step => step.GetProperty("control").GetString() == "lifecycle");
        Assert.Equal("fail", lifecycle.GetProperty("outcome").GetString());
        Assert.Single(_crm.Received);
        var requestId = Assert.Single(blocked.Headers.GetValues("X-Request-Id"));
        Assert.Contains(403, await RecordedStatusesAsync(requestId));
    }

    private async Task AllowedAsync(AgentClient agent, string id)
    {
        using var response = await agent.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact(id));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    // The journal's reads wait for the outcomes appended after their answers: then the store is quiet.
    private async Task SettledAsync()
    {
        await _cluster[0].Services.GetRequiredService<AuditJournal>().ReadAsync(DemoBundle.Tenant, 0, 1);
        _operations.Clear();
    }

    // The status of each record naming the request: 0 for its decision to be carried out (which leaves it out), its answer's for the rest.
    private async Task<List<int>> RecordedStatusesAsync(string requestId)
    {
        var page = await _cluster[0].Services.GetRequiredService<AuditJournal>().QueryAsync(DemoBundle.Tenant, new AuditQuery { RequestId = requestId, Limit = 16 });
        var statuses = new List<int>();
        foreach (var record in page.Records)
        {
            statuses.Add(Named(record, "outcomes", requestId) is { } outcome ? outcome.GetProperty("status_code").GetInt32()
                : Named(record, "decisions", requestId) is not null ? 0
                : record.TryGetProperty("status_code", out var status) ? status.GetInt32() : 0);
        }

        return statuses;
    }

    private static JsonElement? Named(JsonElement record, string member, string requestId) =>
        record.TryGetProperty(member, out var items)
            ? items.EnumerateArray().Cast<JsonElement?>().FirstOrDefault(item => item!.Value.GetProperty("request_id").GetString() == requestId)
            : null;
}
