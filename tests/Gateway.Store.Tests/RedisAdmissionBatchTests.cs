using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary>
/// Batched admission on a real redis-server: admissions that arrive while one admission call is in
/// flight share the next call, yet each is decided as the per-request script would decide it in
/// arrival order (nonces single-use within the batch, windows all-or-nothing per request); a store
/// failure fails the whole batch; one caller's cancellation touches no other. The server's scripts are held with
/// <c>CLIENT PAUSE WRITE</c> (in force once it answers) while every admission is started, so that the first is in flight
/// and the others queue behind it before any reply can come back; <c>CLIENT UNPAUSE</c> then lets them run.
/// </summary>
public sealed partial class RedisAdmissionBatchTests : IAsyncLifetime
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    // One hash tag for every key of a test: batches are per tag (a Redis Cluster slot), as the gateway's {tenant}.
    private readonly string _prefix = $"{{batch-{Guid.NewGuid():N}}}:";
    private RedisServer _server = null!;
    private RedisAdmin _admin = null!;

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        _admin = await RedisAdmin.ConnectAsync(_server.Endpoint);
    }

    public async Task DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task AdmitAsync_ConcurrentBatchWithReplaysAndFullWindow_RefusesOnlyThoseAsPerRequestWould()
    {
        const int requests = 20;
        await using var batched = await StoreAsync(batch: true);
        await using var perRequest = await StoreAsync(batch: false);
        await _admin.ExecuteAsync("SET", _prefix + "switch:on", "1");

        // Request 5 repeats request 3's nonce, request 7 carries a nonce already stored; the shared
        // window admits 17 of the 18 fresh requests, so the last one (19) is refused by it.
        AdmissionRequest[] Sequence(string run) => [.. Enumerable.Range(0, requests).Select(i => new AdmissionRequest(
            _prefix + run + ":nonce:" + (i switch { 5 => "3", 7 => "stored", _ => i.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
            "1700000000",
            TimeSpan.FromMinutes(5),
            [_prefix + "switch:on", _prefix + "switch:off"],
            [new RateLimitWindow(_prefix + run + ":shared", 17, Day), new RateLimitWindow(_prefix + run + ":own:" + i, 1, Day)]))];
        var batch = Sequence("batched");
        var reference = Sequence("reference");
        Assert.True(await batched.TrySetIfAbsentAsync(_prefix + "batched:nonce:stored", "0", TimeSpan.FromMinutes(5)));
        Assert.True(await batched.TrySetIfAbsentAsync(_prefix + "reference:nonce:stored", "0", TimeSpan.FromMinutes(5)));

        await _admin.ExecuteAsync("CONFIG", "RESETSTAT");
        var outcomes = await AdmitWhileHeldAsync(batched, batch);
        var calls = await _admin.CommandCallsAsync();
        var expected = new List<AdmissionOutcome>();
        foreach (var request in reference)
        {
            expected.Add(await perRequest.AdmitAsync(request));
        }

        // Only the two replays and the request over the shared window are refused.
        for (var i = 0; i < requests; i++)
        {
            Assert.Equal(i is not (5 or 7), outcomes[i].NonceFresh);
            Assert.Equal(i is 5 or 7 ? 0u : 1u, outcomes[i].SwitchesOn);
            Assert.Equal(i != 19, outcomes[i].RateLimit.Admitted);
        }

        Assert.Equal(0, outcomes[19].RateLimit.RefusedIndex);
        Assert.InRange(outcomes[19].RateLimit.RetryAfter, TimeSpan.FromMilliseconds(1), Day);

        // Exactly what the per-request script decides for the same sequence.
        Assert.Equal(expected.Select(Decision), outcomes.Select(Decision));

        // Fewer store calls than requests: the first alone, the others together behind it.
        var scriptCalls = calls.GetValueOrDefault("evalsha") + calls.GetValueOrDefault("eval");
        Assert.True(scriptCalls <= 2, $"{scriptCalls} script calls for {requests} admissions");

        // The refused request counted in neither window (all-or-nothing), the replays in none at all.
        Assert.True((await batched.AdmitAsync(Fresh([new RateLimitWindow(_prefix + "batched:own:19", 1, Day)]))).RateLimit.Admitted);
        Assert.True((await batched.AdmitAsync(Fresh([new RateLimitWindow(_prefix + "batched:own:5", 1, Day)]))).RateLimit.Admitted);
        Assert.False((await batched.AdmitAsync(Fresh([new RateLimitWindow(_prefix + "batched:own:4", 1, Day)]))).RateLimit.Admitted);
        Assert.False((await batched.AdmitAsync(Fresh([new RateLimitWindow(_prefix + "batched:shared", 17, Day)]))).RateLimit.Admitted);
    }

    [Fact]
    public async Task AdmitAsync_BatchWithOneReservationOverTheBudget_RefusesOnlyThatReservationAsPerRequestWould()
    {
        const int requests = 10;
        await using var batched = await StoreAsync(batch: true);
        await using var perRequest = await StoreAsync(batch: false);

        // 100 tokens each, but request 4 asks 650: after four (400) it does not fit a budget of 1,000, the five after it do.
        AdmissionRequest[] Sequence(string run) => [.. Enumerable.Range(0, requests).Select(i => Fresh([new RateLimitWindow(_prefix + run + ":rl", 100, Day)]) with
        {
            Budget = new BudgetReservation(_prefix + run + ":budget", i == 4 ? 650 : 100, 1000, Day),
        })];
        var expected = new List<AdmissionOutcome>();
        foreach (var request in Sequence("reference"))
        {
            expected.Add(await perRequest.AdmitAsync(request));
        }

        await _admin.ExecuteAsync("CONFIG", "RESETSTAT");
        var outcomes = await AdmitWhileHeldAsync(batched, Sequence("batched"));
        var calls = await _admin.CommandCallsAsync();

        Assert.All(outcomes, o => Assert.True(o.NonceFresh && o.RateLimit.Admitted));
        for (var i = 0; i < requests; i++)
        {
            Assert.Equal(i != 4, outcomes[i].Budget!.Value.Reserved);
        }

        Assert.Equal(400, outcomes[4].Budget!.Value.Used);
        Assert.InRange(outcomes[4].Budget!.Value.ResetsIn, TimeSpan.FromMilliseconds(1), Day);
        Assert.Equal(expected.Select(BudgetDecision), outcomes.Select(BudgetDecision));

        // The reservations rode the admissions' script runs: no call of their own.
        var scriptCalls = calls.GetValueOrDefault("evalsha") + calls.GetValueOrDefault("eval");
        Assert.True(scriptCalls <= 2, $"{scriptCalls} script calls for {requests} admissions with their reservations");
        Assert.True((await batched.TryReserveAsync(_prefix + "batched:budget", 100, 1000, Day)).Reserved);
        Assert.False((await batched.TryReserveAsync(_prefix + "batched:budget", 1, 1000, Day)).Reserved);
    }

    [Fact]
    public async Task AdmitAsync_BudgetOfAnotherHashTag_ReservedByACallOfItsOwnOnlyWhenAdmitted()
    {
        await using var store = await StoreAsync(batch: true);
        var budget = new BudgetReservation($"{{other-{Guid.NewGuid():N}}}:budget", 70, 100, Day);
        var window = new RateLimitWindow(_prefix + "other-tag:rl", 1, Day);

        await _admin.ExecuteAsync("CONFIG", "RESETSTAT");
        var admitted = await store.AdmitAsync(Fresh([window]) with { Budget = budget });
        var calls = await _admin.CommandCallsAsync();
        var limited = await store.AdmitAsync(Fresh([window]) with { Budget = budget });

        Assert.True(admitted.Budget!.Value.Reserved);
        Assert.Equal(2, calls.GetValueOrDefault("evalsha") + calls.GetValueOrDefault("eval"));
        Assert.False(limited.RateLimit.Admitted);
        Assert.Null(limited.Budget);
        Assert.False((await store.TryReserveAsync(budget.Key, 31, 100, Day)).Reserved);
    }

    [Fact]
    public async Task SettleAsync_SettlesWhileOneIsInFlight_ShareTheNextCallAndEachCounts()
    {
        await using var store = await StoreAsync(batch: true);
        var key = _prefix + "settle:budget";
        var reserved = await store.TryReserveAsync(key, 1000, 1000, Day);
        Assert.True(reserved.Reserved);

        await _admin.ExecuteAsync("CONFIG", "RESETSTAT");
        await HoldServerAsync();
        Task<long>[] settles;
        try
        {
            settles = [.. Enumerable.Range(0, 20).Select(_ => store.SettleAsync(key, reserved: 30, actual: 10, Day, reserved.Slot).AsTask())];
        }
        finally
        {
            await ReleaseServerAsync();
        }

        var used = await Task.WhenAll(settles);
        var calls = await _admin.CommandCallsAsync();

        Assert.Equal(600, used.Min());
        var scriptCalls = calls.GetValueOrDefault("evalsha") + calls.GetValueOrDefault("eval");
        Assert.True(scriptCalls <= 2, $"{scriptCalls} script calls for 20 settles");
        Assert.True((await store.TryReserveAsync(key, 400, 1000, Day)).Reserved);
        Assert.False((await store.TryReserveAsync(key, 1, 1000, Day)).Reserved);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task AdmitAsync_RandomBatchOverSharedKeys_DecidesAsThePerRequestScriptInTheSameOrder(int seed)
    {
        await using var batched = await StoreAsync(batch: true);
        await using var perRequest = await StoreAsync(batch: false);
        var batch = await PrepareRandomRunAsync(batched, "batched", seed);
        var reference = await PrepareRandomRunAsync(perRequest, "reference", seed);

        var (outcomes, expected, scriptCalls) = await AdmitBothWaysAsync(batched, batch, perRequest, reference);
        for (var i = 0; i < batch.Length; i++)
        {
            Assert.True(Decision(expected[i]) == Decision(outcomes[i]), $"request {i} ({Describe(batch[i])}): batched {Decision(outcomes[i])}, per request {Decision(expected[i])}");
        }

        // Batched indeed: the first alone, the others together behind it.
        Assert.True(scriptCalls <= 2, $"{scriptCalls} script calls for {batch.Length} admissions");

        Assert.Contains(outcomes, o => !o.NonceFresh);
        Assert.Contains(outcomes, o => o.NonceFresh && !o.RateLimit.Admitted);
        Assert.Contains(outcomes, o => o.NonceFresh && o.SwitchesOn != 0);
    }

    [Fact]
    public async Task AdmitAsync_BurstOfTwoTenantsOnRedisCluster_BatchedPerTenantAndAllAdmitted()
    {
        // A one-node Redis Cluster: a script may touch one hash slot only, and each tenant's keys share
        // the slot of their {tenant} tag, so a batch must not mix tenants.
        var nodes = Path.Combine(Path.GetTempPath(), $"gateway-nodes-{Guid.NewGuid():N}.conf");
        // The cluster bus on a free port of its own: its default (the port + 10000) may be in use, or in the ephemeral range.
        await using var server = await RedisServer.StartAsync(extraArgs: string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"--cluster-enabled yes --cluster-config-file {nodes} --cluster-port {FreePort.Next()} --enable-debug-command yes"));
        try
        {
            await using var admin = await RedisAdmin.ConnectAsync(server.Endpoint);
            await admin.ExecuteAsync("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
            await Eventually.HoldsAsync(async () => ((string)(await admin.ExecuteAsync("CLUSTER", "INFO"))!).Contains("cluster_state:ok", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30), "the one-node cluster never reached cluster_state:ok");

            await using var store = new RedisStateStore(new RedisStoreOptions { Endpoint = server.Endpoint, ConnectTimeout = TimeSpan.FromSeconds(10), CommandTimeout = TimeSpan.FromSeconds(10) });
            AdmissionRequest Request(string tenant) => new(
                StoreKeys.Nonce(tenant, "agent", Guid.NewGuid().ToString("N")),
                "1700000000",
                TimeSpan.FromMinutes(5),
                [StoreKeys.AgentStatus(tenant, "agent")],
                [new RateLimitWindow(StoreKeys.RateLimit(tenant, "agent:day"), 1000, Day)]);
            Assert.True((await store.AdmitAsync(Request("t1"))).NonceFresh);
            Assert.True((await store.AdmitAsync(Request("t2"))).NonceFresh);
            await admin.ExecuteAsync("CONFIG", "RESETSTAT");

            // Scripts wait while the server's writes are paused (in force once CLIENT PAUSE answers): each tenant's first
            // admission goes in flight and waits, and the whole burst is queued before the pause is lifted, so no reply can
            // come back before the last admission is queued.
            await admin.ExecuteAsync("CLIENT", "PAUSE", "30000", "WRITE");
            var admissions = Enumerable.Range(0, 20).Select(i => store.AdmitAsync(Request(i % 2 == 0 ? "t1" : "t2")).AsTask()).ToArray();
            await admin.ExecuteAsync("CLIENT", "UNPAUSE");
            var outcomes = await Task.WhenAll(admissions);

            Assert.All(outcomes, o => Assert.True(o.NonceFresh && o.RateLimit.Admitted));
            var calls = await admin.CommandCallsAsync();
            Assert.InRange(calls.GetValueOrDefault("evalsha") + calls.GetValueOrDefault("eval"), 2, 4);
        }
        finally
        {
            File.Delete(nodes);
        }
    }

    [Fact]
    public async Task AdmitAsync_MoreQueuedThanMaxBatch_SentInBatchesOfAtMostMax()
    {
        const int requests = 21;
        await using var store = await StoreAsync(batch: true, maxBatch: 4);
        await _admin.ExecuteAsync("CONFIG", "RESETSTAT");

        var outcomes = await AdmitWhileHeldAsync(store, [.. Enumerable.Range(0, requests).Select(_ => Fresh([]))]);

        var calls = await _admin.CommandCallsAsync();
        var scriptCalls = calls.GetValueOrDefault("evalsha") + calls.GetValueOrDefault("eval");
        Assert.All(outcomes, o => Assert.True(o.NonceFresh));
        Assert.InRange(scriptCalls, 1 + ((requests - 1) / 4), requests - 1);
    }

    [Fact]
    public async Task AdmitAsync_FourShards_BatchesOfATenantRunSideBySideAndRepeatedNoncesStayInOne()
    {
        const int requests = 24;
        await using var store = await StoreAsync(batch: true, shards: 4);
        var shared = new RateLimitWindow(_prefix + "sharded:shared", requests - 2, Day);
        // Six requests in each shard (nonces drawn until they land in it).
        var batch = Enumerable.Range(0, requests).Select(i => FreshInShard([shared], i % 4, 4)).ToArray();

        // Request 9 repeats request 3's nonce: the shard of a nonce key is the same in every process and call.
        batch[9] = batch[3] with { };
        await _admin.ExecuteAsync("CONFIG", "RESETSTAT");
        var outcomes = await AdmitWhileHeldAsync(store, batch);

        var calls = await _admin.CommandCallsAsync();
        var scriptCalls = calls.GetValueOrDefault("evalsha") + calls.GetValueOrDefault("eval");
        var shardsUsed = batch.Select(r => ReplicaShards.Of(r.NonceKey, 4)).Distinct().Count();

        // One batcher per tenant sends at most two calls for them (the first alone, the rest behind it); four send up to
        // two each, the first of each shard at once while the others are in flight.
        Assert.Equal(4, shardsUsed);
        Assert.InRange(scriptCalls, shardsUsed + 1, 2 * shardsUsed);
        Assert.True(outcomes[3].NonceFresh);
        Assert.False(outcomes[9].NonceFresh);
        Assert.Equal(requests - 2, outcomes.Count(o => o.NonceFresh && o.RateLimit.Admitted));
        Assert.Single(outcomes, o => o.NonceFresh && !o.RateLimit.Admitted);
    }

    /// <summary>
    /// Sixty admissions drawn with <paramref name="seed"/> over few keys, so that they share nonces
    /// (replays), switches (one of which is a nonce key an earlier request stores, another a window's
    /// counter) and windows (some twice in one request, some counted before, one's counter also a
    /// nonce), with the same state stored first under <paramref name="run"/>'s keys.
    /// </summary>
    private async Task<AdmissionRequest[]> PrepareRandomRunAsync(IStateStore store, string run, int seed)
    {
        var random = new Random(seed);
        (string Key, long Limit)[] windows = [($"{_prefix}{run}:window:0", 4), ($"{_prefix}{run}:window:1", 9), ($"{_prefix}{run}:window:2", 15), ($"{_prefix}{run}:window:3", 30)];

        // The key a window counts in today (the scripts' slot key): one is read as a switch, one stored as a nonce.
        var slot = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / (long)Day.TotalMilliseconds;
        string Nonce(int i) => i == 40 ? $"{windows[1].Key}:{slot}" : $"{_prefix}{run}:nonce:{i}";
        string[] switches = [$"{_prefix}{run}:switch:0", $"{_prefix}{run}:switch:1", $"{_prefix}{run}:switch:2", Nonce(3), $"{windows[0].Key}:{slot}"];
        await store.SetAsync(switches[1], "on", null);
        Assert.True(await store.TrySetIfAbsentAsync(Nonce(7), "0", TimeSpan.FromMinutes(5)));
        Assert.True((await store.AdmitAsync(new AdmissionRequest($"{_prefix}{run}:nonce:prepare", "0", TimeSpan.FromMinutes(5), [], [new RateLimitWindow(windows[2].Key, windows[2].Limit, Day, 6)]))).RateLimit.Admitted);
        return [.. Enumerable.Range(0, 60).Select(_ =>
        {
            var windowCount = random.Next(0, 4);
            return new AdmissionRequest(
                Nonce(random.Next(0, 41)),
                "1700000000",
                TimeSpan.FromMinutes(5),
                [.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => switches[random.Next(switches.Length)])],
                [.. Enumerable.Range(0, windowCount).Select(_ =>
                {
                    var (key, limit) = windows[random.Next(windows.Length)];
                    return new RateLimitWindow(key, limit, Day, random.Next(1, 4));
                })]);
        })];
    }

    private string Describe(AdmissionRequest request) =>
        $"nonce {request.NonceKey[_prefix.Length..]}, switches [{string.Join(", ", request.SwitchKeys.Select(k => k[_prefix.Length..]))}], windows [{string.Join(", ", request.Windows.Select(w => $"{w.Key[_prefix.Length..]} {w.Permits}/{w.Limit}"))}]";

    private static (bool Fresh, uint Switches, bool Admitted, int RefusedIndex) Decision(AdmissionOutcome outcome) =>
        (outcome.NonceFresh, outcome.SwitchesOn, outcome.RateLimit.Admitted, outcome.RateLimit.RefusedIndex);

    private static (bool, bool, bool?, long?) BudgetDecision(AdmissionOutcome outcome) =>
        (outcome.NonceFresh, outcome.RateLimit.Admitted, outcome.Budget?.Reserved, outcome.Budget?.Used);

    private AdmissionRequest Fresh(IReadOnlyList<RateLimitWindow> windows) =>
        new(_prefix + "nonce:" + Guid.NewGuid().ToString("N"), "1700000000", TimeSpan.FromMinutes(5), [], windows);

    private AdmissionRequest FreshInShard(IReadOnlyList<RateLimitWindow> windows, int shard, int shards)
    {
        var request = Fresh(windows);
        while (ReplicaShards.Of(request.NonceKey, shards) != shard)
        {
            request = Fresh(windows);
        }

        return request;
    }

    /// <summary>A store of its own, its scripts loaded by one admission so that every later call is one EVALSHA.</summary>
    /// One shard per tenant unless asked (<see cref="RedisStoreOptions.AdmissionShards"/>): the tests of one batch's order see every admission in one batcher.
    private async Task<RedisStateStore> StoreAsync(bool batch, int maxBatch = 64, TimeSpan? commandTimeout = null, bool batchBudgets = true, int shards = 1)
    {
        var store = new RedisStateStore(new RedisStoreOptions
        {
            Endpoint = _server.Endpoint,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            CommandTimeout = commandTimeout ?? TimeSpan.FromSeconds(10),
            ReconnectMaxBackoff = TimeSpan.FromMilliseconds(200),
            BatchAdmissions = batch,
            BatchBudgets = batchBudgets,
            MaxAdmissionBatch = maxBatch,
            AdmissionShards = shards,
        });
        await store.AdmitAsync(Fresh([new RateLimitWindow(_prefix + "warm-up", 1000, Day)]));
        return store;
    }
}
