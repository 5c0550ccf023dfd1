using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// In Redis mode both replicas append to one hash chain per tenant (the stream <c>gw:{demo}:audit</c>).
/// Interleaved traffic through two replicas leaves one intact chain; tampering with the stream
/// directly in Redis (redis-cli, bypassing the gateway) makes the admin API's verify name the first
/// broken link.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class AuditChainTests : IAsyncLifetime
{
    private const string StreamKey = "gw:{demo}:audit";
    private const string VerifyPath = "/admin/v1/tenants/demo/audit/verify";
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ReplicaCluster.StartAsync(replicas: 2);

    public async Task DisposeAsync() => await (_cluster?.DisposeAsync() ?? ValueTask.CompletedTask);

    [Fact]
    public async Task Verify_AfterTrafficThroughTwoReplicas_IsIntactThenNamesDeletedRecord()
    {
        var records = await TrafficAsync();

        var intactOnA = await VerifyAsync(0);
        var intactOnB = await VerifyAsync(1);
        Assert.True(intactOnA.GetProperty("intact").GetBoolean(), intactOnA.ToString());
        Assert.Equal(records, intactOnA.GetProperty("records").GetInt64());
        Assert.Equal(intactOnA.GetProperty("tip_hash").GetString(), intactOnB.GetProperty("tip_hash").GetString());
        Assert.True(intactOnB.GetProperty("intact").GetBoolean(), intactOnB.ToString());

        // Delete the fourth record (stream id 4-0) straight from Redis.
        Assert.Equal("1", (await RedisCli.RunAsync(_cluster.Redis.Port, "XDEL", StreamKey, "4-0")).Trim());

        foreach (var replica in new[] { 0, 1 })
        {
            var broken = await VerifyAsync(replica);
            Assert.False(broken.GetProperty("intact").GetBoolean(), broken.ToString());
            Assert.Equal(3, broken.GetProperty("broken_at_index").GetInt64());
            Assert.Equal("sequence_gap", broken.GetProperty("reason").GetString());
            Assert.Equal(3, broken.GetProperty("records").GetInt64());
        }

        // A chain that can no longer be extended in order is a journal that cannot record: every
        // replica refuses governed requests (fail closed) rather than deciding without a record.
        foreach (var replica in new[] { 0, 1 })
        {
            using var refused = await _cluster.Agent(replica).PostJsonAsync("/v1/evaluate", ReplicaUpstreams.ReadContact("after-tamper"));
            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.ServiceUnavailable, "audit_unavailable");
        }
    }

    [Fact]
    public async Task Verify_RecordEditedInRedis_NamesEditedRecord()
    {
        var records = await TrafficAsync();
        var entries = await RedisCli.ReadStreamAsync(_cluster.Redis.Port, StreamKey);
        Assert.Equal(records, entries.Count);

        // Rewrite the stream as an attacker with store access would: same ids, record 5 attributed to another agent.
        const int edited = 4;
        var original = entries[edited].Value;
        var forged = original.Replace("\"agent\":\"demo-agent\"", "\"agent\":\"rogue-agent\"", StringComparison.Ordinal);
        Assert.NotEqual(original, forged);
        await RedisCli.RunAsync(_cluster.Redis.Port, "DEL", StreamKey);
        for (var i = 0; i < entries.Count; i++)
        {
            await RedisCli.RunAsync(_cluster.Redis.Port, "XADD", StreamKey, entries[i].Id, entries[i].Field, i == edited ? forged : entries[i].Value);
        }

        var broken = await VerifyAsync(1);
        Assert.False(broken.GetProperty("intact").GetBoolean(), broken.ToString());
        Assert.Equal(edited, broken.GetProperty("broken_at_index").GetInt64());
        Assert.Equal("hash_mismatch", broken.GetProperty("reason").GetString());
    }

    /// <summary>Interleaved allow and block decisions through both replicas; returns the stream's length.</summary>
    private async Task<long> TrafficAsync()
    {
        var agents = new[] { _cluster.Agent(0), _cluster.Agent(1) };
        var sends = new List<Task<HttpResponseMessage>>();
        for (var i = 0; i < 8; i++)
        {
            var body = i % 4 == 3
                ? """{"tool":"shell.exec","args":{"cmd":"ls"}}"""
                : ReplicaUpstreams.ReadContact("a" + i);
            sends.Add(agents[i % 2].PostJsonAsync("/v1/evaluate", body));
        }

        foreach (var response in await Task.WhenAll(sends))
        {
            using (response)
            {
                Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            }
        }

        var length = long.Parse((await RedisCli.RunAsync(_cluster.Redis.Port, "XLEN", StreamKey)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(length >= 8, $"the stream holds {length} records after 8 decisions");
        return length;
    }

    private async Task<JsonElement> VerifyAsync(int replica)
    {
        using var response = await _cluster.Admin(replica).GetAsync(VerifyPath);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
