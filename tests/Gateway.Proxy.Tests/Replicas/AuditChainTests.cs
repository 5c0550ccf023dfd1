using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// In Redis mode each replica appends to its own hash chain per tenant (the stream
/// <c>gw:{demo}:audit:{replica}</c>), so replicas never contend. Interleaved traffic through two
/// replicas leaves two intact chains that either replica verifies; tampering with a stream directly in
/// Redis (redis-cli, bypassing the gateway) makes the admin API's verify name the replica and the first
/// broken link.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class AuditChainTests : IAsyncLifetime
{
    private static readonly string StreamKey = "gw:{demo}:audit:" + ReplicaCluster.ReplicaId(0);
    private static readonly string OtherStreamKey = "gw:{demo}:audit:" + ReplicaCluster.ReplicaId(1);
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
        Assert.Equal(2, intactOnA.GetProperty("partitions").GetArrayLength());
        Assert.Equal(intactOnA.GetProperty("tip_hash").GetString(), intactOnB.GetProperty("tip_hash").GetString());
        Assert.True(intactOnB.GetProperty("intact").GetBoolean(), intactOnB.ToString());

        // Delete the fourth record (stream id 4-0) straight from Redis.
        Assert.Equal("1", (await RedisCli.RunAsync(_cluster.Redis.Port, "XDEL", StreamKey, "4-0")).Trim());

        foreach (var replica in new[] { 0, 1 })
        {
            var broken = await VerifyAsync(replica);
            Assert.False(broken.GetProperty("intact").GetBoolean(), broken.ToString());
            Assert.Equal(ReplicaCluster.ReplicaId(0), broken.GetProperty("replica").GetString());
            Assert.Equal(3, broken.GetProperty("broken_at_index").GetInt64());
            Assert.Equal("sequence_gap", broken.GetProperty("reason").GetString());
            Assert.Equal(3, broken.GetProperty("records").GetInt64());
        }

        // A chain that can no longer be extended in order is a journal that cannot record: the replica
        // owning it refuses governed requests (fail closed) rather than deciding without a record.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var refused = await _cluster.Agent(0).PostJsonAsync("/v1/evaluate", ReplicaUpstreams.ReadContact("after-tamper-" + attempt));
            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.ServiceUnavailable, "audit_unavailable");
        }
    }

    [Fact]
    public async Task Verify_RecordEditedInRedis_NamesEditedRecord()
    {
        const int edited = 2;
        await TrafficAsync();
        var entries = await RedisCli.ReadStreamAsync(_cluster.Redis.Port, StreamKey);
        Assert.True(entries.Count > edited, $"replica 0's chain holds {entries.Count} records");

        // Rewrite the stream as an attacker with store access would: same ids, record 3 attributed to another agent.
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
        Assert.Equal(ReplicaCluster.ReplicaId(0), broken.GetProperty("replica").GetString());
        Assert.Equal(edited, broken.GetProperty("broken_at_index").GetInt64());
        Assert.Equal("hash_mismatch", broken.GetProperty("reason").GetString());
    }

    /// <summary>Interleaved allow and block decisions through both replicas; returns the records in both chains.</summary>
    private async Task<long> TrafficAsync()
    {
        var agents = new[] { _cluster.Agent(0), _cluster.Agent(1) };
        var sends = new List<Task<HttpResponseMessage>>();
        for (var i = 0; i < 16; i++)
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

        var length = await LengthAsync(StreamKey) + await LengthAsync(OtherStreamKey);
        Assert.True(length >= 8, $"the streams hold {length} records after 16 decisions");
        return length;
    }

    private async Task<long> LengthAsync(string key) =>
        long.Parse((await RedisCli.RunAsync(_cluster.Redis.Port, "XLEN", key)).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    private async Task<JsonElement> VerifyAsync(int replica)
    {
        using var response = await _cluster.Admin(replica).GetAsync(VerifyPath);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
