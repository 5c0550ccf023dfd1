using System.Net;
using Gateway.Audit;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Record;

/// <summary>
/// A gateway writing four audit chains per tenant (<c>Gateway:Audit:ChainsPerReplica</c>, #71): forwarded requests'
/// decisions (Record) and outcomes (Respond, through <c>AuditRecorder.RecordOutcomeAsync</c>) spread over the chains, each
/// request's decision and outcome in the one chain its request id picks, and every chain of the tenant verifies.
/// </summary>
public sealed class AuditChainsTests
{
    [Fact]
    public async Task InvokeTool_FourChainsPerReplica_EachRequestsDecisionAndOutcomeShareOneChain()
    {
        await using var crm = await ReplicaUpstreams.StartCrmAsync();
        using var bundle = DemoBundle.Create(new Dictionary<string, string> { [ReplicaUpstreams.CrmOrigin] = crm.Origin });
        bundle.Rewrite(ReplicaUpstreams.WithoutCrmCredential);
        await using var gateway = await GatewayHost.StartAsync(bundle.Directory, new Dictionary<string, string?> { ["Gateway:Audit:ChainsPerReplica"] = "4" });
        var agent = new AgentClient(gateway.Client, bundle.AgentSecret);
        var journal = gateway.Services.GetRequiredService<AuditJournal>();

        var ids = new List<string>();
        for (var i = 0; i < 16; i++)
        {
            using var response = await agent.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("c-" + i));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            ids.Add(response.Headers.GetValues("X-Request-Id").Single());
        }

        foreach (var id in ids)
        {
            // The outcome may be appended just after the response: each request's two records, once both are there.
            var records = new List<string?>();
            await Eventually.HoldsAsync(
                async () =>
                {
                    var page = await journal.QueryAsync(DemoBundle.Tenant, new AuditQuery { RequestId = id, Limit = 10 });
                    records = [.. page.Records.Select(static r => r.GetProperty("replica").GetString())];
                    return records.Count == 2;
                },
                TimeSpan.FromSeconds(10),
                () => $"request {id} has {records.Count} records");
            Assert.All(records, chain => Assert.Equal(journal.ChainOf(DemoBundle.Tenant, id).Replica, chain));
        }

        var verification = await journal.VerifyAsync(DemoBundle.Tenant);
        Assert.True(verification.Intact, verification.Reason);
        Assert.True(verification.Partitions.Count > 1, string.Join(", ", verification.Partitions.Select(p => p.Replica)));
        Assert.All(verification.Partitions, p => Assert.StartsWith(journal.Replica, p.Replica, StringComparison.Ordinal));
    }
}
