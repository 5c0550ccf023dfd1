namespace Gateway.Store.Tests;

/// <summary>
/// The one behavioural contract of <see cref="IStateStore"/>. Every implementation runs these facts
/// through a derived class; keys are unique per test so that instances may share a server.
/// </summary>
public abstract partial class StateStoreContractTests
{
    private static readonly TimeSpan LongWindow = TimeSpan.FromHours(1);

    // One hash tag per test, as the gateway's {tenant}: the Redis store batches admissions per tag.
    private string _prefix = NewPrefix();

    protected abstract IStateStore Store { get; }

    protected string Key(string name) => _prefix + name;

    private static string NewPrefix() => $"{{test-{Guid.NewGuid():N}}}:";

    /// <summary>Acquires <paramref name="windows"/> through an admission with a fresh nonce and no kill switches (the only way the gateway acquires them).</summary>
    private async Task<RateLimitOutcome> AcquireAsync(IReadOnlyList<RateLimitWindow> windows) =>
        (await Store.AdmitAsync(new AdmissionRequest(Key("acquire-nonce:" + Guid.NewGuid().ToString("N")), "0", TimeSpan.FromMinutes(1), [], windows))).RateLimit;

    [Fact]
    public async Task TrySetIfAbsent_ManyParallelCallers_ExactlyOneWins()
    {
        var key = Key("nonce");
        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(i =>
            Task.Run(async () => await Store.TrySetIfAbsentAsync(key, $"caller-{i}", TimeSpan.FromMinutes(1)))));

        Assert.Single(results, won => won);
        var winner = Array.IndexOf(results, true);
        Assert.Equal($"caller-{winner}", await Store.GetAsync(key));
    }

    [Fact]
    public Task TrySetIfAbsent_AfterExpiry_StoresAgain() => AcrossShortExpiryAsync(
        before: async () =>
        {
            Assert.True(await Store.TrySetIfAbsentAsync(Key("expiring"), "first", ShortExpiry));
            Assert.False(await Store.TrySetIfAbsentAsync(Key("expiring"), "second", ShortExpiry));
        },
        expired: async () => await Store.GetAsync(Key("expiring")) is null,
        after: async () =>
        {
            Assert.True(await Store.TrySetIfAbsentAsync(Key("expiring"), "third", TimeSpan.FromMinutes(1)));
            Assert.Equal("third", await Store.GetAsync(Key("expiring")));
        });

    [Fact]
    public async Task Get_MissingKey_ReturnsNull()
    {
        Assert.Null(await Store.GetAsync(Key("missing")));
    }

    [Fact]
    public async Task GetMany_KeysWithoutACommonHashTag_ReadsEachInOrder()
    {
        // Keys no tenant tags (the console's sessions and marks): on Redis Cluster they lie in different hash slots.
        var untagged = Enumerable.Range(0, 8).Select(i => $"untagged-{Guid.NewGuid():N}-{i}").ToArray();
        for (var i = 0; i < untagged.Length; i += 2)
        {
            await Store.SetAsync(untagged[i], "value-" + i, TimeSpan.FromMinutes(1));
        }

        var read = await Store.GetManyAsync([.. untagged, Key("tagged-missing")]);

        Assert.Equal([.. untagged.Select((_, i) => i % 2 == 0 ? "value-" + i : null), null], read);
    }

    [Fact]
    public async Task Set_ExistingKey_ReplacesValueAndKeepsUnicode()
    {
        var key = Key("value");
        await Store.SetAsync(key, "old", null);
        await Store.SetAsync(key, "nouvelle valeur — ✓ 日本\r\n", null);

        Assert.Equal("nouvelle valeur — ✓ 日本\r\n", await Store.GetAsync(key));
    }

    [Fact]
    public Task Set_WithExpiry_ExpiresWhileWithoutExpiryPersists() => AcrossShortExpiryAsync(
        before: async () =>
        {
            await Store.SetAsync(Key("short"), "gone soon", ShortExpiry);
            await Store.SetAsync(Key("forever"), "stays", null);
        },
        expired: async () => await Store.GetAsync(Key("short")) is null,
        after: async () => Assert.Equal("stays", await Store.GetAsync(Key("forever"))));

    [Fact]
    public async Task Delete_ExistingThenMissing_ReportsWhetherItExisted()
    {
        var key = Key("doomed");
        await Store.SetAsync(key, "v", null);

        Assert.True(await Store.DeleteAsync(key));
        Assert.False(await Store.DeleteAsync(key));
        Assert.Null(await Store.GetAsync(key));
    }

    [Fact]
    public async Task Take_ConcurrentCallers_ExactlyOneReceivesTheValue()
    {
        for (var round = 0; round < 5; round++)
        {
            var key = Key($"approval-{round}");
            await Store.SetAsync(key, "grant", TimeSpan.FromMinutes(1));

            var taken = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ =>
                Task.Run(async () => await Store.TakeAsync(key))));

            Assert.Single(taken, value => value == "grant");
            Assert.Equal(31, taken.Count(value => value is null));
            Assert.Null(await Store.GetAsync(key));
        }
    }

    [Fact]
    public async Task Take_MissingKey_ReturnsNull()
    {
        Assert.Null(await Store.TakeAsync(Key("never-set")));
    }

    [Fact]
    public async Task Increment_ParallelDeltas_ReturnsExactSum()
    {
        var key = Key("counter");
        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ =>
            Task.Run(async () => await Store.IncrementAsync(key, 3, null))));

        Assert.Equal(300, await Store.IncrementAsync(key, 0, null));
        Assert.Equal(-50, await Store.IncrementAsync(key, -350, null));
    }

    [Fact]
    public Task Increment_ExpirySetOnlyWhenCreated_CounterRestartsAfterIt() => AcrossShortExpiryAsync(
        before: async () =>
        {
            Assert.Equal(1, await Store.IncrementAsync(Key("expiring-counter"), 1, ShortExpiry));
            Assert.Equal(2, await Store.IncrementAsync(Key("expiring-counter"), 1, TimeSpan.FromMinutes(10)));
        },
        expired: async () => await Store.GetAsync(Key("expiring-counter")) is null,
        after: async () => Assert.Equal(1, await Store.IncrementAsync(Key("expiring-counter"), 1, TimeSpan.FromMinutes(10))));

    [Fact]
    public async Task Ping_HealthyStore_Completes()
    {
        await Store.PingAsync();
    }

    [Fact]
    public async Task Get_CancelledToken_ThrowsOperationCanceled()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.GetAsync(Key("x"), cancelled.Token));
    }

    [Fact]
    public Task GetMany_TextCountersAndAbsentKeys_ValuesInOrderWithNulls() => AcrossShortExpiryAsync(
        before: async () =>
        {
            await Store.SetAsync(Key("many:text"), "nouvelle valeur ✓", null);
            await Store.IncrementAsync(Key("many:counter"), 42, expiry: null);
            await Store.SetAsync(Key("many:expired"), "gone", ShortExpiry);

            Assert.Empty(await Store.GetManyAsync([]));
            Assert.Equal(["42", null, "nouvelle valeur ✓", "42", "gone"],
                await Store.GetManyAsync([Key("many:counter"), Key("many:absent"), Key("many:text"), Key("many:counter"), Key("many:expired")]));
        },
        expired: async () => (await Store.GetManyAsync([Key("many:expired")]))[0] is null,
        after: async () => Assert.Equal([null, "nouvelle valeur ✓"], await Store.GetManyAsync([Key("many:expired"), Key("many:text")])));

    private AdmissionRequest Admission(string nonce, IReadOnlyList<string> switches, IReadOnlyList<RateLimitWindow> windows) =>
        new(Key("nonce-" + nonce), "ts-" + nonce, TimeSpan.FromMinutes(5), switches, windows);
}
