using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Faults;

/// <summary>
/// The state store (a real redis-server) dies while the audit journal lives elsewhere (the embedded files): a
/// request the outage refuses is answered 503 <c>store_unavailable</c>, never forwarded, and recorded in the
/// journal under the tool it named, so the outage leaves evidence of what it refused. A Redis that may evict keys is
/// refused the same way until its policy keeps every key.
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
}
