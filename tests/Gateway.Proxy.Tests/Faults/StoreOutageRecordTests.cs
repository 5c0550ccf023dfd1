using System.Net;
using System.Text.Json;
using Gateway.Connectors.Vault;
using Gateway.Oversight;
using Gateway.Oversight.Credentials;
using Gateway.Proxy.Tests.A2a;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Faults;

/// <summary>
/// The state store (a real redis-server) dies while the audit journal lives elsewhere (the embedded files): a
/// request the outage refuses is answered 503 <c>store_unavailable</c>, never forwarded, and recorded in the
/// journal under the tool it named, so the outage leaves evidence of what it refused. A Redis that may evict keys is
/// refused the same way until its policy keeps every key. An outage while the request is described (the embedded store,
/// failing at the one read a test names) is recorded under the tool it names; one after a decision to be carried out is
/// that decision's outcome, answered with the decision.
/// </summary>
public sealed class StoreOutageRecordTests
{
    [Fact]
    public async Task InvokeTool_RedisKilledJournalOnFile_RefusalIsRecordedAndNothingForwarded()
    {
        await using var crm = await ReplicaUpstreams.StartCrmAsync();
        using var bundle = DemoBundle.Create(new Dictionary<string, string> { [ReplicaUpstreams.CrmOrigin] = crm.Origin });
        bundle.Rewrite(ReplicaUpstreams.WithoutCrmCredential);
        await using var redis = await RedisServer.StartAsync();
        var dataDirectory = Directory.CreateTempSubdirectory("gw-store-outage-").FullName;
        try
        {
            var environment = GatewayProcess.RedisWithJournalOnFile(bundle.Directory, redis.Endpoint, dataDirectory, "outage");

            var refused = new List<string>();
            using (var gateway = await GatewayProcess.StartAsync(environment))
            {
                var agent = new AgentClient(gateway.Http, bundle.AgentSecret);
                using (var healthy = await agent.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("before")))
                {
                    Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
                }

                await redis.KillAsync();
                for (var i = 0; i < 3; i++)
                {
                    using var response = await agent.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact($"down-{i}"));
                    await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "store_unavailable");
                    refused.Add(response.Headers.GetValues("X-Request-Id").Single());
                }

                await gateway.StopAsync();
            }

            Assert.DoesNotContain(ReplicaUpstreams.ContactIds(crm), id => id.StartsWith("down-", StringComparison.Ordinal));
            await using var sink = new FileAuditSinkUnderTest(dataDirectory);
            await using var reader = await sink.OpenAsync();
            var stored = await reader.ReadAsync(DemoBundle.Tenant);
            foreach (var id in refused)
            {
                var record = Assert.Single(stored, r => r.RequestId == id);
                Assert.Equal((int)HttpStatusCode.ServiceUnavailable, record.StatusCode);
            }

            var verification = await reader.VerifyAsync(DemoBundle.Tenant);
            Assert.True(verification.Intact, verification.Reason);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task InvokeTool_RedisThatMayEvict_IsRefusedRecordedAndServedOnceThePolicyKeepsEveryKey()
    {
        await using var crm = await ReplicaUpstreams.StartCrmAsync();
        using var bundle = DemoBundle.Create(new Dictionary<string, string> { [ReplicaUpstreams.CrmOrigin] = crm.Origin });
        bundle.Rewrite(ReplicaUpstreams.WithoutCrmCredential);
        await using var redis = await RedisServer.StartAsync(extraArgs: "--maxmemory 64mb --maxmemory-policy allkeys-lru");
        var dataDirectory = Directory.CreateTempSubdirectory("gw-store-eviction-").FullName;
        try
        {
            var environment = GatewayProcess.RedisWithJournalOnFile(bundle.Directory, redis.Endpoint, dataDirectory, "eviction");
            string refused;
            using (var gateway = await GatewayProcess.StartAsync(environment, untilReady: false))
            {
                var agent = new AgentClient(gateway.Http, bundle.AgentSecret);
                using (var response = await agent.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("evicting")))
                {
                    await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "store_unavailable");
                    refused = response.Headers.GetValues("X-Request-Id").Single();
                }

                using (var ready = await gateway.Http.GetAsync("/readyz"))
                {
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
                }

                await RedisCli.RunAsync(redis.Port, "CONFIG", "SET", "maxmemory-policy", "noeviction");
                await Eventually.HoldsAsync(async () =>
                {
                    using var ready = await gateway.Http.GetAsync("/readyz");
                    return ready.StatusCode == HttpStatusCode.OK;
                }, TimeSpan.FromSeconds(30), "the gateway did not serve once Redis kept every key");
                using (var served = await agent.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("kept")))
                {
                    Assert.Equal(HttpStatusCode.OK, served.StatusCode);
                }

                await gateway.StopAsync();
            }

            Assert.Equal("kept", Assert.Single(ReplicaUpstreams.ContactIds(crm)));
            await using var sink = new FileAuditSinkUnderTest(dataDirectory);
            await using var reader = await sink.OpenAsync();
            var record = Assert.Single(await reader.ReadAsync(DemoBundle.Tenant), r => r.RequestId == refused);
            Assert.Equal((int)HttpStatusCode.ServiceUnavailable, record.StatusCode);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task A2aSendMessage_StoreFailsReadingTaskOwnership_RefusalIsRecorded()
    {
        var agent = new A2aTestAgent();
        await using var upstream = await Infrastructure.KestrelUpstream.StartAsync(agent.Map);
        await using var gw = await GovernedGateway.StartAsync(
            text => text
                .Replace("  - name: workspace\n", $"""
                      - {"{"} name: helper, kind: a2a, action_type: read, target_system: helper, upstream: {upstream.Origin}/a2a, credential: none {"}"}
                      - {"{"} name: helper.summarize, kind: a2a_skill, action_type: read, target_system: helper, connector: helper, a2a_skill: summarize {"}"}

                      - name: workspace

                    """, StringComparison.Ordinal)
                .Replace("      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: helper }\n      - { tool: helper.summarize }\n", StringComparison.Ordinal),
            configure: builder => builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => ReadsFail(store, nameof(IStateStore.GetManyAsync), ":a2a-task:"))));

        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/a2a/helper", A2aRouteTests.Message("SendMessage", "summarize", "go on", taskId: "task-1")));

        var reply = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(ProblemCodes.StoreUnavailable, reply.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Empty(agent.Received);
        var record = Assert.Single(await gw.AuditRecordsAsync(RequestIdOf(response)));
        Assert.Equal("refused:" + ProblemCodes.StoreUnavailable, record.GetProperty("decision").GetString());
        Assert.Equal("helper.summarize", record.GetProperty("tool").GetString());
        Assert.Equal((int)HttpStatusCode.ServiceUnavailable, record.GetProperty("status_code").GetInt32());
    }

    [Fact]
    public async Task RunEvent_StoreFailsReadingTheRun_RefusalIsRecorded()
    {
        var reads = new Switch();
        await using var gw = await GovernedGateway.StartAsync(configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => ReadsFail(store, nameof(IStateStore.GetManyAsync), ":run:", reads))));
        var run = await RunCalls.StartIdAsync(gw.Agent);
        reads.On = true;

        using var response = await RunCalls.EventAsync(gw.Agent, run, "step", "read a contact");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, ProblemCodes.StoreUnavailable);
        var record = Assert.Single(await gw.AuditRecordsAsync(RequestIdOf(response)));
        Assert.Equal("refused:" + ProblemCodes.StoreUnavailable, record.GetProperty("decision").GetString());
        Assert.Equal("run", record.GetProperty("tool").GetString());
    }

    [Fact]
    public async Task StartRun_StoreFailsReadingTheParentRun_RefusalIsRecordedUnderNoTool()
    {
        // Read before the request names the tool it is admitted as: recorded for the proven agent, as authentication's refusals are.
        var reads = new Switch();
        await using var gw = await GovernedGateway.StartAsync(configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => ReadsFail(store, nameof(IStateStore.GetManyAsync), ":run:", reads))));
        var parent = await RunCalls.StartIdAsync(gw.Agent);
        reads.On = true;

        using var response = await gw.Agent.PostJsonAsync("/v1/runs", $$"""{"framework":"tests","parent_run":"{{parent}}"}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, ProblemCodes.StoreUnavailable);
        var record = Assert.Single(await gw.AuditRecordsAsync(RequestIdOf(response)));
        Assert.Equal("refused:" + ProblemCodes.StoreUnavailable, record.GetProperty("decision").GetString());
        Assert.Equal("demo-agent", record.GetProperty("agent").GetString());
        Assert.False(record.TryGetProperty("tool", out _));
    }

    [Fact]
    public async Task InvokeTool_StoreFailsReadingTheRunOfItsRunHeader_RefusalIsRecordedUnderNoTool()
    {
        // Read while authenticating, once the signature (which covers X-Gamut-Run) proved the agent: recorded under it.
        var reads = new Switch();
        await using var gw = await GovernedGateway.StartAsync(configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => ReadsFail(store, nameof(IStateStore.GetManyAsync), ":run:", reads))));
        var run = await RunCalls.StartIdAsync(gw.Agent);
        reads.On = true;

        using var response = await RunCalls.InRunAsync(gw.Agent, run);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, ProblemCodes.StoreUnavailable);
        var record = Assert.Single(await gw.AuditRecordsAsync(RequestIdOf(response)));
        Assert.Equal("refused:" + ProblemCodes.StoreUnavailable, record.GetProperty("decision").GetString());
        Assert.Equal("demo-agent", record.GetProperty("agent").GetString());
        Assert.False(record.TryGetProperty("tool", out _));
        Assert.Empty(gw.Upstream.To("/crm"));
    }

    [Fact]
    public async Task InvokeTool_VaultReadFailsAfterTheDecision_RefusalIsTheDecisionsOutcome()
    {
        var vault = new Switch();
        await using var gw = await GovernedGateway.StartAsync(configure: builder =>
            builder.Services.AddSingleton<ICredentialRecordStore>(sp => new FailingCredentialRecords(new StateStoreCredentialStore(sp.GetRequiredService<IStateStore>()), vault)));
        vault.On = true;

        using var response = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("vault-down"));

        var refused = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, ProblemCodes.StoreUnavailable);
        Assert.True(refused.TryGetProperty("decision", out var decided), "the answer omits the decision the refusal is the outcome of: " + refused.GetRawText());
        Assert.False(refused.GetProperty("invoked").GetBoolean());
        var records = await gw.AuditRecordsAsync(RequestIdOf(response));
        Assert.Equal(2, records.Count);
        var (decision, outcome) = (records[0], records[1]);
        Assert.Equal(decision.GetProperty("decision").GetString(), decided.GetString());
        Assert.Equal(decision.GetProperty("decision").GetString(), outcome.GetProperty("decision").GetString());
        Assert.Equal("crm.read_contact", outcome.GetProperty("connector").GetString());
        Assert.Equal((int)HttpStatusCode.ServiceUnavailable, outcome.GetProperty("status_code").GetInt32());
        Assert.False(outcome.GetProperty("invoked").GetBoolean());
        Assert.Empty(gw.Upstream.To("/crm"));
    }

    private static string RequestIdOf(HttpResponseMessage response) => Assert.Single(response.Headers.GetValues("X-Request-Id"));

    // The store, with every read of `method` (GetAsync, GetManyAsync) whose first key contains `key` failing as an
    // unavailable store fails it (while `when` is on, if given).
    private static IStateStore ReadsFail(IStateStore inner, string method, string key, Switch? when = null) =>
        InterceptedStateStore.Wrap(inner, (called, args, call) =>
            called.Name != method || !(when?.On ?? true) || FirstKey(args) is not { } first || !first.Contains(key, StringComparison.Ordinal) ? call()
            : method == nameof(IStateStore.GetManyAsync) ? ValueTask.FromException<IReadOnlyList<string?>>(Down())
            : ValueTask.FromException<string?>(Down()));

    private static string? FirstKey(object?[]? args) => args is [string key, ..] ? key : args is [IReadOnlyList<string> { Count: > 0 } keys, ..] ? keys[0] : null;

    private static StateStoreUnavailableException Down() => new("Injected: the store went down.");

    /// <summary>An injected fault, off until a test turns it on.</summary>
    private sealed class Switch
    {
        private volatile bool _on;

        public bool On
        {
            get => _on;
            set => _on = value;
        }
    }

    /// <summary>The vault's records, whose reads fail as an unavailable store fails them while <see cref="Switch.On"/>.</summary>
    private sealed class FailingCredentialRecords(ICredentialRecordStore inner, Switch failing) : ICredentialRecordStore
    {
        public ValueTask<CredentialRecord?> GetAsync(string tenant, string name, CancellationToken cancellationToken = default) =>
            failing.On ? ValueTask.FromException<CredentialRecord?>(new StateStoreUnavailableException("Injected: the vault's store went down.")) : inner.GetAsync(tenant, name, cancellationToken);

        public ValueTask<bool> ReplaceAsync(string tenant, CredentialRecord? expected, CredentialRecord replacement, CancellationToken cancellationToken = default) =>
            inner.ReplaceAsync(tenant, expected, replacement, cancellationToken);

        public ValueTask<IReadOnlyList<CredentialRecord>> ListAsync(string tenant, CancellationToken cancellationToken = default) => inner.ListAsync(tenant, cancellationToken);
    }
}
