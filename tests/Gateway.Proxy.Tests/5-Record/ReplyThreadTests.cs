using System.Net;
using Gateway.Audit;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Record;

/// <summary>
/// <c>Gateway:Store:Redis:ReplyThread</c> through the running gateway on a real redis-server and a real upstream: requests
/// sent together go on from the reply thread (their forward, their response, their outcome's append) and from the thread
/// pool when another reply is due; each is answered, both its records are appended, and the chain verifies.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class ReplyThreadTests
{
    [Fact]
    public async Task InvokeTool_ReplyThread_EveryRequestForwardedRecordedAndTheChainVerifies()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var crm = await ReplicaUpstreams.StartCrmAsync();
        using var bundle = DemoBundle.Create(new Dictionary<string, string> { [ReplicaUpstreams.CrmOrigin] = crm.Origin });
        bundle.Rewrite(ReplicaUpstreams.WithoutCrmCredential);
        var settings = ReplicaCluster.StoreSettings(redis.Endpoint);
        settings["Gateway:Audit:Sink"] = "store";
        settings["Gateway:Store:Redis:ReplyThread"] = "true";
        await using var gateway = await GatewayHost.StartAsync(bundle.Directory, settings);
        var agent = new AgentClient(gateway.Client, bundle.AgentSecret);
        var journal = gateway.Services.GetRequiredService<AuditJournal>();

        // The agent's first request is admitted on its own; once seen, its admissions ride the decision records' script calls.
        using (var first = await agent.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("c-first")))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var sent = Enumerable.Range(0, 24).Select(async i =>
        {
            using var response = await agent.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("c-" + i));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return response.Headers.GetValues("X-Request-Id").Single();
        });
        var ids = await Task.WhenAll(sent);

        foreach (var id in ids)
        {
            // The outcome may be appended just after the response: each request's two records, once both are there.
            var count = 0;
            await Eventually.HoldsAsync(
                async () => (count = (await journal.QueryAsync(DemoBundle.Tenant, new AuditQuery { RequestId = id, Limit = 10 })).Records.Count) == 2,
                TimeSpan.FromSeconds(10),
                () => $"request {id} has {count} records");
        }

        var verification = await journal.VerifyAsync(DemoBundle.Tenant);
        Assert.True(verification.Intact, verification.Reason);
        Assert.Equal(0, verification.OutcomeUnknown);

        // The store's own connection was read by its thread (the gateway runs in this process; Linux names its threads).
        Assert.Contains("Redis replies", Directory.EnumerateDirectories("/proc/self/task").Select(ThreadName));
    }

    // A thread's name, or none when it ended since its task was listed.
    private static string ThreadName(string task)
    {
        try
        {
            return File.ReadAllText(Path.Combine(task, "comm")).TrimEnd();
        }
        catch (IOException)
        {
            return "";
        }
    }
}
