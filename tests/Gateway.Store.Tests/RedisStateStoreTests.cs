using Gateway.Testing;
using StackExchange.Redis;

namespace Gateway.Store.Tests;

/// <summary>
/// What only the Redis store can get wrong, against a real redis-server: pipelining under concurrency,
/// exact text round trips, server errors, database selection, scripts after a flush, a stuck server,
/// cancellation, and one round trip to admit a request.
/// </summary>
public sealed class RedisStateStoreTests : IAsyncLifetime
{
    private RedisServer _server = null!;
    private RedisStateStore _store = null!;
    private RedisAdmin _admin = null!;

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync(extraArgs: "--enable-debug-command yes");
        _store = new RedisStateStore(new RedisStoreOptions { ConnectTimeout = TimeSpan.FromSeconds(10), Endpoint = _server.Endpoint, CommandTimeout = TimeSpan.FromSeconds(10) });
        _admin = await RedisAdmin.ConnectAsync(_server.Endpoint);
        await _store.PingAsync();
    }

    public async Task DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _store.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Calls_ThousandConcurrent_EachGetsItsOwnReply()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 1000).Select(async i =>
        {
            await _store.SetAsync($"pipe:{i}", $"value-{i}", null);
            return (i, await _store.GetAsync($"pipe:{i}"));
        }));

        Assert.All(results, r => Assert.Equal($"value-{r.i}", r.Item2));
    }

    [Fact]
    public async Task SetGet_Utf8TextWithCrLfAndRespMarkers_RoundTripsExactly()
    {
        const string text = "ligne 1\r\nligne 2 — ✓ 日本語 🚀\r\n$3\r\n*1\r\n\0end";

        await _store.SetAsync("utf8", text, null);

        Assert.Equal(text, await _store.GetAsync("utf8"));
    }

    [Fact]
    public async Task SetGet_OneMegabyteValue_RoundTripsAlongsideSmallCalls()
    {
        var large = new string('x', 1024 * 1024) + "✓";

        var set = _store.SetAsync("large", large, null).AsTask();
        var ping = _store.PingAsync().AsTask();
        await Task.WhenAll(set, ping);

        Assert.Equal(large, await _store.GetAsync("large"));
    }

    [Fact]
    public async Task ReplaceIfEqual_WithAndWithoutExpiry_SetsOrClearsTheKeysTtl()
    {
        await _store.SetAsync("cas:short", "v1", null);
        await _store.SetAsync("cas:forever", "v1", TimeSpan.FromMinutes(1));

        Assert.True(await _store.ReplaceIfEqualAsync("cas:short", "v1", "v2", TimeSpan.FromMinutes(10)));
        Assert.True(await _store.ReplaceIfEqualAsync("cas:forever", "v1", "v2", null));

        Assert.InRange((long)(await _admin.ExecuteAsync("PTTL", "cas:short")), 1, 600_000);
        Assert.Equal(-1, (long)(await _admin.ExecuteAsync("PTTL", "cas:forever")));
    }

    [Fact]
    public async Task SetAdd_LaterAdds_ExtendTheSetsTtlAndNeverShortenIt()
    {
        await _store.SetAddAsync("set:ttl", "a", TimeSpan.FromMinutes(1));
        Assert.InRange((long)(await _admin.ExecuteAsync("PTTL", "set:ttl")), 1, 60_000);

        await _store.SetAddAsync("set:ttl", "b", TimeSpan.FromMinutes(10));
        Assert.InRange((long)(await _admin.ExecuteAsync("PTTL", "set:ttl")), 60_001, 600_000);

        await _store.SetAddAsync("set:ttl", "c", TimeSpan.FromMinutes(1));
        Assert.InRange((long)(await _admin.ExecuteAsync("PTTL", "set:ttl")), 60_001, 600_000);

        await _store.SetAddAsync("set:ttl", "d", expiry: null);
        await _store.SetAddAsync("set:ttl", "e", TimeSpan.FromMinutes(1));
        Assert.Equal(-1, (long)(await _admin.ExecuteAsync("PTTL", "set:ttl")));
    }

    [Fact]
    public async Task Increment_WrongTypeServerError_FailsUnavailableAndStoreStaysUsable()
    {
        await _store.SetAsync("text", "abc", null);

        var refused = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await _store.IncrementAsync("text", 1, null));

        Assert.IsType<RedisServerException>(refused.InnerException);
        Assert.Contains("not an integer", refused.Message, StringComparison.Ordinal);
        Assert.Equal("abc", await _store.GetAsync("text"));
    }

    [Fact]
    public async Task Database_SelectedByOptions_IsolatesKeys()
    {
        await using var database3 = new RedisStateStore(new RedisStoreOptions { ConnectTimeout = TimeSpan.FromSeconds(10), CommandTimeout = TimeSpan.FromSeconds(10), Endpoint = _server.Endpoint, Database = 3 });
        await database3.SetAsync("where", "db3", null);

        Assert.Null(await _store.GetAsync("where"));
        Assert.Equal("db3", await database3.GetAsync("where"));
    }

    [Fact]
    public async Task Scripts_AfterScriptFlush_AreReloadedAndStillAnswer()
    {
        Assert.Equal(5, await _store.IncrementAsync("scripted", 5, null));

        await _admin.ExecuteAsync("SCRIPT", "FLUSH");

        Assert.Equal(12, await _store.IncrementAsync("scripted", 7, null));
        Assert.True((await _store.AdmitAsync(new AdmissionRequest("flushed-nonce", "0", TimeSpan.FromMinutes(1), [], [new RateLimitWindow("flushed", 1, TimeSpan.FromMinutes(1))]))).RateLimit.Admitted);
    }

    [Fact]
    public async Task Calls_ServerStuckLongerThanCommandTimeout_FailUnavailableWithTimeoutThenRecover()
    {
        await using var impatient = new RedisStateStore(new RedisStoreOptions { ConnectTimeout = TimeSpan.FromSeconds(10), Endpoint = _server.Endpoint, CommandTimeout = TimeSpan.FromMilliseconds(300) });
        await impatient.SetAsync("k", "before", null);

        var sleep = _admin.ExecuteAsync("DEBUG", "SLEEP", "3");

        // The sleep may not have begun when the first GET arrives: ask until one call meets the stuck server.
        StateStoreUnavailableException? timedOut = null;
        while (timedOut is null && !sleep.IsCompleted)
        {
            try
            {
                await impatient.GetAsync("k");
            }
            catch (StateStoreUnavailableException ex)
            {
                timedOut = ex;
            }
        }

        await sleep;

        Assert.NotNull(timedOut);
        Assert.IsAssignableFrom<TimeoutException>(timedOut.InnerException);
        Assert.Equal("before", await EventuallyAsync(() => impatient.GetAsync("k").AsTask()));
        await impatient.SetAsync("k", "after", null);
        Assert.Equal("after", await impatient.GetAsync("k"));
    }

    [Fact]
    public async Task Calls_ServerFrozenWithSigstop_FailUnavailableThenRecoverAfterSigcont()
    {
        await using var store = new RedisStateStore(new RedisStoreOptions { ConnectTimeout = TimeSpan.FromSeconds(10), Endpoint = _server.Endpoint, CommandTimeout = TimeSpan.FromMilliseconds(300) });
        await store.SetAsync("frozen", "before", null);

        await _server.SignalAsync(freeze: true);
        try
        {
            var refused = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.GetAsync("frozen"));
            Assert.IsAssignableFrom<TimeoutException>(refused.InnerException);
        }
        finally
        {
            await _server.SignalAsync(freeze: false);
        }

        Assert.Equal("before", await EventuallyAsync(() => store.GetAsync("frozen").AsTask()));
    }

    [Fact]
    public async Task Get_AlreadyCancelledToken_ThrowsWithoutSending()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await _store.SetAsync("cancelled", "x", null, cancel.Token));

        Assert.Null(await _store.GetAsync("cancelled"));
    }

    [Fact]
    public async Task Admit_WithSwitchesAndWindows_IsOneRoundTrip()
    {
        await using var connection = new RedisConnection(new RedisStoreOptions { ConnectTimeout = TimeSpan.FromSeconds(10), Endpoint = _server.Endpoint, CommandTimeout = TimeSpan.FromSeconds(10) });
        var store = new RedisStateStore(connection);
        var multiplexer = (ConnectionMultiplexer)await connection.GetMultiplexerAsync();
        var request = new AdmissionRequest(
            StoreKeys.Nonce("t1", "agent", "n-1"),
            "1700000000",
            TimeSpan.FromMinutes(5),
            [StoreKeys.AgentStatus("t1", "agent"), "gw:{t1}:kill:tenant"],
            [new RateLimitWindow(StoreKeys.RateLimit("t1", "agent:minute"), 10, TimeSpan.FromMinutes(1)), new RateLimitWindow(StoreKeys.RateLimit("t1", "agent:hour"), 100, TimeSpan.FromHours(1))]);
        await store.AdmitAsync(request with { NonceKey = StoreKeys.Nonce("t1", "agent", "warm-up") });
        await _admin.ExecuteAsync("CONFIG", "RESETSTAT");
        var sentBefore = multiplexer.GetCounters().Interactive.OperationCount;

        var outcome = await store.AdmitAsync(request);

        var sent = multiplexer.GetCounters().Interactive.OperationCount - sentBefore;
        var calls = await _admin.CommandCallsAsync();
        Assert.True(outcome.NonceFresh);
        Assert.Equal(1, sent);
        Assert.Equal(1, calls.GetValueOrDefault("evalsha"));
        Assert.Equal(0, calls.GetValueOrDefault("eval"));
    }

    [Fact]
    public async Task Admit_AdmittedWithEveryPart_OneIncrbyPerCountAndNothingReadBeforeIt()
    {
        string[] generations = [StoreKeys.TokenGeneration("t2"), StoreKeys.TokenGeneration("t2", "a")];
        await _store.IncrementAsync(generations[0], 3, expiry: null);
        AdmissionRequest Request(string nonce) => new(
            StoreKeys.Nonce("t2", "a", nonce),
            "0",
            TimeSpan.FromMinutes(5),
            [StoreKeys.AgentStatus("t2", "a"), StoreKeys.TenantStatus("t2")],
            [new RateLimitWindow(StoreKeys.RateLimit("t2", "a:minute"), 10, TimeSpan.FromMinutes(1)), new RateLimitWindow(StoreKeys.RateLimit("t2", "a:hour"), 100, TimeSpan.FromHours(1))])
        {
            Counters = [new CounterReservation(StoreKeys.Budget("t2", "run:r1:actions"), 1, 50, TimeSpan.FromHours(1))],
            Budget = new BudgetReservation(StoreKeys.Budget("t2", "tokens"), 100, 10_000, TimeSpan.FromHours(1)),
            Token = new TokenRecording(StoreKeys.DecisionToken("t2", nonce), TimeSpan.FromMinutes(5), generations),
        };
        Assert.True((await _store.AdmitAsync(Request("warm-up"))).Budget!.Value.Reserved);
        await _admin.ExecuteAsync("CONFIG", "RESETSTAT");

        var outcome = await _store.AdmitAsync(Request("n-1"));

        var calls = await _admin.CommandCallsAsync();
        Assert.True(outcome.NonceFresh && outcome.RateLimit.Admitted && outcome.Counters!.Reserved && outcome.Budget!.Value.Reserved);
        Assert.Equal(0u, outcome.SwitchesOn);
        Assert.Equal([2L], outcome.Counters.Values);
        Assert.Equal(200, outcome.Budget.Value.Used);
        Assert.Equal([3L, 0L], outcome.Token!.Generations);

        // Two windows, the run's counter and the budget: one INCRBY each, nothing read before and no expiry asked after
        // (the keys exist); both switch keys in one EXISTS, both generation keys in one MGET, the nonce and the record SET.
        Assert.Equal(4, calls.GetValueOrDefault("incrby"));
        Assert.Equal(0, calls.GetValueOrDefault("get") + calls.GetValueOrDefault("pttl") + calls.GetValueOrDefault("pexpire") + calls.GetValueOrDefault("decrby"));
        Assert.Equal(1, calls.GetValueOrDefault("exists"));
        Assert.Equal(1, calls.GetValueOrDefault("mget"));
        Assert.Equal(2, calls.GetValueOrDefault("set"));
    }

    [Fact]
    public async Task Admit_TokenRecordIsTheNonce_OneSetForBoth()
    {
        string[] generations = [StoreKeys.TokenGeneration("t2"), StoreKeys.TokenGeneration("t2", "a")];
        AdmissionRequest Request(string nonce)
        {
            var key = StoreKeys.NonceRecord("t2", StoreKeys.NonceName("a", nonce));
            return new AdmissionRequest(key, TokenRecording.Issued, TimeSpan.FromMinutes(10), [StoreKeys.AgentStatus("t2", "a")], [])
            {
                Token = new TokenRecording(key, TimeSpan.FromMinutes(5), generations),
            };
        }

        await _store.AdmitAsync(Request("one-key-warm-up"));
        await _admin.ExecuteAsync("CONFIG", "RESETSTAT");

        var outcome = await _store.AdmitAsync(Request("one-key"));

        var calls = await _admin.CommandCallsAsync();
        var key = Request("one-key").NonceKey;
        Assert.NotNull(outcome.Token);
        Assert.Equal(1, calls.GetValueOrDefault("set"));
        Assert.Equal(TokenRecording.Issued, await _store.GetAsync(key));

        // The nonce's lifetime (the longer), not the token's.
        var ttl = (long)(await _admin.ExecuteAsync("PTTL", key));
        Assert.InRange(ttl, (long)TimeSpan.FromMinutes(9).TotalMilliseconds, (long)TimeSpan.FromMinutes(10).TotalMilliseconds);
    }

    [Fact]
    public async Task Admit_RefusedOnKeysItCreated_CountsTakenBackAndEveryKeyExpires()
    {
        var tag = Guid.NewGuid().ToString("N");
        var hour = TimeSpan.FromHours(1);
        AdmissionRequest Request(string nonce) => new(StoreKeys.Nonce(tag, "a", nonce), "0", TimeSpan.FromMinutes(5), [], []);

        // Refused by its second window: the first, made by this request, is back at zero.
        var byWindow = await _store.AdmitAsync(Request("w") with
        {
            Windows = [new RateLimitWindow(StoreKeys.RateLimit(tag, "open"), 5, hour), new RateLimitWindow(StoreKeys.RateLimit(tag, "shut"), 0, hour)],
        });

        // Refused by its second counter: both counters back where they stood (made here, so zero).
        var byCounter = await _store.AdmitAsync(Request("c") with
        {
            Counters = [new CounterReservation(StoreKeys.Budget(tag, "run:actions"), 1, 5, hour), new CounterReservation(StoreKeys.Budget(tag, "run:cost"), 9, 8, hour)],
        });

        // Refused by its budget, which this request made.
        var byBudget = await _store.AdmitAsync(Request("b") with { Budget = new BudgetReservation(StoreKeys.Budget(tag, "tokens"), 20, 10, hour) });

        Assert.Equal(1, byWindow.RateLimit.RefusedIndex);
        Assert.Equal(1, byCounter.Counters!.RefusedIndex);
        Assert.Equal([0L, 0L], byCounter.Counters.Values);
        Assert.Equal((false, 0L), (byBudget.Budget!.Value.Reserved, byBudget.Budget.Value.Used));
        var keys = (RedisResult[])(await _admin.ExecuteAsync("KEYS", $"*{{{tag}}}*"))!;
        var counts = keys.Select(k => (string)k!).Where(k => !k.Contains(":nonce:", StringComparison.Ordinal)).ToArray();
        Assert.Equal(5, counts.Length);
        foreach (var key in counts)
        {
            Assert.Equal("0", (string?)await _admin.ExecuteAsync("GET", key));
            Assert.InRange((long)await _admin.ExecuteAsync("PTTL", key), 1, (long)hour.TotalMilliseconds);
        }

        Assert.True((await _store.AdmitAsync(Request("again") with { Windows = [new RateLimitWindow(StoreKeys.RateLimit(tag, "open"), 1, hour)] })).RateLimit.Admitted);
    }

    [Fact]
    public async Task Admit_TokenRecord_PttlIsItsLifetimeAndUsingItKeepsIt()
    {
        var lifetime = TimeSpan.FromSeconds(300);
        var record = StoreKeys.DecisionToken("t1", "pttl-" + Guid.NewGuid().ToString("N"));
        var request = new AdmissionRequest(StoreKeys.Nonce("t1", "agent", Guid.NewGuid().ToString("N")), "0", TimeSpan.FromMinutes(5), [], []);
        Assert.NotNull((await _store.AdmitAsync(request with { Token = new TokenRecording(record, lifetime, []) })).Token);
        var issued = (long)await _admin.ExecuteAsync("PTTL", record);
        await _admin.ExecuteAsync("PEXPIRE", record, 200_000);

        var use = await _store.AdmitAsync(request with
        {
            NonceKey = StoreKeys.Nonce("t1", "agent", Guid.NewGuid().ToString("N")),
            Token = new TokenRecording(StoreKeys.DecisionToken("t1", Guid.NewGuid().ToString("N")), lifetime, []) { ConsumeKey = record },
        });

        Assert.InRange(issued, 290_000, 300_000);
        Assert.Equal(TokenConsumption.Consumed, use.Token!.Consumption);
        Assert.Equal(TokenRecording.Used, await _store.GetAsync(record));
        Assert.InRange((long)await _admin.ExecuteAsync("PTTL", record), 190_000, 200_000);
    }

    /// <summary>The first answer of <paramref name="call"/> once the store is available again (generous: nothing here asserts speed).</summary>
    internal static Task<T> EventuallyAsync<T>(Func<Task<T>> call) => Eventually.ReturnsAsync(
        call, static _ => true, TimeSpan.FromSeconds(30), static _ => "the store did not become available within 30 s", static ex => ex is StateStoreUnavailableException);
}
