using Gateway.Audit.Options;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Policy.Evidence;
using Gateway.Store;
using Gateway.Testing;
using StackExchange.Redis;

namespace Gateway.Audit.Tests;

/// <summary>
/// <c>Gateway:Evidence:SignInFlight</c> on a real redis-server: a group's receipts are signed while its store call is in
/// flight and their batch stored by a call of its own; every agent's receipt verifies and is stored exactly as given, and a
/// receipt that cannot be signed refuses only the append that asked for it.
/// </summary>
public sealed class AuditJournalSignInFlightTests
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task AppendWithReceiptAsync_SignedInFlight_EveryReceiptVerifiesAndIsStoredAsGiven()
    {
        await using var server = await RedisServer.StartAsync();
        await using var store = Store(server);
        var journal = TestServices.Journal(new StoreAuditStore(store), _time, TestServices.Metrics, new EvidenceOptions { SignInFlight = true });
        var tenant = TestServices.NewTenant();

        // Concurrent appends, so that groups of several go out while others are in flight; some ask for no receipt.
        var asked = Enumerable.Range(1, 60).Select(i => journal.AppendWithReceiptAsync(Entry(tenant, "req-" + i)).AsTask()).ToArray();
        var unasked = Enumerable.Range(61, 10).Select(i => journal.AppendAsync(Entry(tenant, "req-" + i)).AsTask()).ToArray();
        var appended = await Task.WhenAll(asked);
        await Task.WhenAll(unasked);

        var keys = EvidenceKeySet.Of(TestServices.ReceiptKeys);
        var stored = (await journal.ReadReceiptsAsync(tenant, TestServices.Replica, 1, 70)).ToDictionary(static r => r.RequestId, static r => r.Receipt);
        Assert.Equal(60, stored.Count);
        for (var i = 0; i < appended.Length; i++)
        {
            Assert.True(DecisionReceipt.TryVerify(appended[i].Receipt, keys, out var claims, out var error), error);
            Assert.Equal("req-" + (i + 1), claims!.RequestId);
            Assert.Equal(appended[i].Record.LeafHash, claims.LeafHash);
            Assert.Equal(appended[i].Receipt, stored["req-" + (i + 1)]);
        }

        Assert.True((await journal.VerifyAsync(tenant)).Intact);
    }

    [Theory]
    [InlineData(true, 2)]
    [InlineData(false, 1)]
    public async Task AppendWithReceiptAsync_OneGroupAtATime_SignedInFlightStoresTheBatchByACallOfItsOwn(bool signInFlight, int scriptsPerGroup)
    {
        await using var server = await RedisServer.StartAsync();
        await using var store = Store(server);
        var journal = TestServices.Journal(new StoreAuditStore(store), _time, TestServices.Metrics, new EvidenceOptions { SignInFlight = signInFlight });
        var tenant = TestServices.NewTenant();
        await journal.AppendWithReceiptAsync(Entry(tenant, "req-0"));
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.Endpoint + ",allowAdmin=true");
        var before = await ScriptRunsAsync(redis);

        for (var i = 1; i <= 5; i++)
        {
            await journal.AppendWithReceiptAsync(Entry(tenant, "req-" + i));
        }

        Assert.Equal(5 * scriptsPerGroup, await ScriptRunsAsync(redis) - before);
        Assert.Equal(6, (await journal.ReadReceiptsAsync(tenant, TestServices.Replica, 1, 6)).Count);
    }

    [Fact]
    public async Task AppendWithReceiptAsync_SignedInFlight_ReceiptThatCannotBeSigned_RefusesThatAppendAlone()
    {
        await using var server = await RedisServer.StartAsync();
        await using var store = Store(server);
        var journal = TestServices.Journal(new StoreAuditStore(store), _time, TestServices.Metrics, new EvidenceOptions { SignInFlight = true });
        var tenant = TestServices.NewTenant();

        // The chain's first group is signed before its call (the sink registers the chain on it); the next ones in flight.
        var first = await journal.AppendWithReceiptAsync(Entry(tenant, "req-1"));

        // A receipt names its request: an entry with no request id cannot have one signed.
        await Assert.ThrowsAsync<ReceiptSigningException>(async () => await journal.AppendWithReceiptAsync(Entry(tenant, null)));
        var next = await journal.AppendWithReceiptAsync(Entry(tenant, "req-3"));

        // Signed in flight, the group was already on its way: its record stands (its request refused), the chain goes on intact.
        Assert.Equal(3, next.Record.Seq);
        Assert.True(DecisionReceipt.TryVerify(next.Receipt, EvidenceKeySet.Of(TestServices.ReceiptKeys), out _, out var error), error);
        Assert.Equal([first.Receipt, next.Receipt], (await journal.ReadReceiptsAsync(tenant, TestServices.Replica, 1, 3)).Select(static r => r.Receipt));
        Assert.True((await journal.VerifyAsync(tenant)).Intact);
    }

    [Fact]
    public async Task AppendWithReceiptAsync_SignedInFlight_BatchThatRedisRefuses_RefusesTheAppendThatAskedAndKeepsTheRecords()
    {
        await using var server = await RedisServer.StartAsync();
        await using var store = Store(server);
        var journal = TestServices.Journal(new StoreAuditStore(store), _time, TestServices.Metrics, new EvidenceOptions { SignInFlight = true });
        var tenant = TestServices.NewTenant();
        await journal.AppendAsync(Entry(tenant, "req-1"));

        // The chain's receipts log is a plain value now: Redis refuses the batch's call (WRONGTYPE), not the group's.
        await store.SetAsync(StoreKeys.AuditReceipts(tenant, TestServices.Replica), "not-a-log", null);
        var refused = await Assert.ThrowsAsync<AuditWriteException>(async () => await journal.AppendWithReceiptAsync(Entry(tenant, "req-2")));
        var unasked = await journal.AppendAsync(Entry(tenant, "req-3"));

        Assert.Contains("receipt could not be stored", refused.Message, StringComparison.Ordinal);
        Assert.Equal(3, unasked.Seq);
        Assert.Equal(["req-1", "req-2", "req-3"], (await journal.ReadAsync(tenant, 0, 10)).Select(static r => r.GetProperty("request_id").GetString()));
        Assert.True((await journal.VerifyAsync(tenant)).Intact);
    }

    // The scripts Redis ran (EVALSHA and EVAL: every store call of the journal is one).
    private static async Task<long> ScriptRunsAsync(ConnectionMultiplexer redis)
    {
        var stats = (await redis.GetServer(redis.GetEndPoints()[0]).InfoAsync("commandstats")).SelectMany(static g => g).ToArray();
        return stats.Where(static s => s.Key is "cmdstat_evalsha" or "cmdstat_eval")
            .Sum(static s => long.Parse(s.Value.Split(',')[0]["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static RedisStateStore Store(RedisServer server) =>
        new(new RedisStoreOptions { ConnectTimeout = TimeSpan.FromSeconds(10), Endpoint = server.Endpoint, CommandTimeout = TimeSpan.FromSeconds(5) });

    private static AuditEntry Entry(string tenant, string? requestId) =>
        new() { Tenant = tenant, Agent = "agent-1", Tool = "crm.read", RequestId = requestId, Decision = "allow", PolicyDigest = "p1", IntentDigest = "i-" + requestId, StatusCode = 200 };
}
