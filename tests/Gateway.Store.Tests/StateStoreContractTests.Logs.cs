using System.Collections.Concurrent;
using System.Text;

namespace Gateway.Store.Tests;

/// <summary>The contract's sets and append-only logs: distinct members, appends at an expected length, ranges read back.</summary>
public abstract partial class StateStoreContractTests
{
    [Fact]
    public async Task SetAdd_RepeatedMembers_CountsDistinctAndListsSorted()
    {
        var key = Key("approvers");
        var counts = new ConcurrentBag<long>();
        await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            Task.Run(async () => counts.Add(await Store.SetAddAsync(key, $"user-{i % 3}", TimeSpan.FromMinutes(1))))));

        Assert.Equal(3, counts.Max());
        Assert.Equal(3, await Store.SetAddAsync(key, "user-1", null));
        Assert.Equal(["user-0", "user-1", "user-2"], await Store.SetMembersAsync(key));
    }

    [Fact]
    public Task SetAdd_WithExpiry_SetVanishesAfterIt() => AcrossShortExpiryAsync(
        before: async () =>
        {
            Assert.Equal(1, await Store.SetAddAsync(Key("votes"), "a", ShortExpiry));
            Assert.Equal(2, await Store.SetAddAsync(Key("votes"), "b", ShortExpiry / 2));
        },
        expired: async () => (await Store.SetMembersAsync(Key("votes"))).Count == 0,
        after: async () => Assert.Equal(1, await Store.SetAddAsync(Key("votes"), "c", null)));

    [Fact]
    public Task SetAdd_LongerExpiryOnALaterAdd_ExtendsTheSet() => AcrossShortExpiryAsync(
        before: async () =>
        {
            // A person's sessions: the first one's lifetime must not end the index of a later one.
            Assert.Equal(1, await Store.SetAddAsync(Key("sessions"), "first", ShortExpiry));
            await Store.SetAsync(Key("first-lifetime"), "1", ShortExpiry);
            Assert.Equal(2, await Store.SetAddAsync(Key("sessions"), "later", TimeSpan.FromMinutes(10)));
        },
        expired: async () => await Store.GetAsync(Key("first-lifetime")) is null,
        after: async () => Assert.Equal(["first", "later"], await Store.SetMembersAsync(Key("sessions"))));

    [Fact]
    public Task SetAdd_ShorterExpiryOnALaterAdd_KeepsTheLongerOne() => AcrossShortExpiryAsync(
        before: async () =>
        {
            Assert.Equal(1, await Store.SetAddAsync(Key("sessions"), "first", TimeSpan.FromMinutes(10)));
            Assert.Equal(2, await Store.SetAddAsync(Key("sessions"), "later", ShortExpiry));
            await Store.SetAsync(Key("later-lifetime"), "1", ShortExpiry);
        },
        expired: async () => await Store.GetAsync(Key("later-lifetime")) is null,
        after: async () => Assert.Equal(["first", "later"], await Store.SetMembersAsync(Key("sessions"))));

    [Fact]
    public Task SetAdd_NoExpiryOnALaterAdd_KeepsTheSetUntilDeleted() => AcrossShortExpiryAsync(
        before: async () =>
        {
            Assert.Equal(1, await Store.SetAddAsync(Key("names"), "first", ShortExpiry));
            await Store.SetAsync(Key("first-lifetime"), "1", ShortExpiry);
            Assert.Equal(2, await Store.SetAddAsync(Key("names"), "kept", expiry: null));
        },
        expired: async () => await Store.GetAsync(Key("first-lifetime")) is null,
        after: async () => Assert.Equal(["first", "kept"], await Store.SetMembersAsync(Key("names"))));

    [Fact]
    public async Task SetMembers_MissingSet_ReturnsEmpty()
    {
        Assert.Empty(await Store.SetMembersAsync(Key("no-set")));
    }

    [Fact]
    public async Task TryAppend_StaleExpectedLength_ReturnsFalseAndAppendsNothing()
    {
        var log = Key("log");
        Assert.True(await Store.TryAppendAsync(log, 0, "genesis"));
        Assert.False(await Store.TryAppendAsync(log, 0, "stale"));
        Assert.False(await Store.TryAppendAsync(log, 2, "ahead"));

        Assert.Equal(1, await Store.LogLengthAsync(log));
        Assert.Equal(["genesis"], await Store.ReadLogAsync(log, 0, 10));
    }

    [Fact]
    public async Task TryAppend_FirstEntryNamesAnotherPreviousHash_AppendsNothingEvenAtTheRightLength()
    {
        var log = Key("linked-log");
        Assert.True(await Store.TryAppendAsync(log, 0, """{"hash":"aa01","prev_hash":"00"}"""));

        // A group sealed on an end that is not the log's (a second writer's, or one sent behind a group never appended).
        Assert.False(await Store.TryAppendAsync(log, 1, """{"hash":"cc03","prev_hash":"bb02"}"""));
        var refused = await Store.TryAppendAdmittingAsync(log, 1, [Bytes("""{"hash":"cc03","prev_hash":"bb02"}""")], null, [], null, [], [Admission("linked", [], [])], []);
        Assert.False(refused.Appended);
        Assert.Equal(1, await Store.LogLengthAsync(log));

        // Linked to the last entry's hash (and entries that name none, as any other log's), it goes on.
        Assert.True(await Store.TryAppendAsync(log, 1, [Bytes("""{"hash":"bb02","prev_hash":"aa01"}"""), Bytes("""{"hash":"cc03","prev_hash":"bb02"}""")]));
        Assert.True(await Store.TryAppendAsync(log, 3, "unlinked"));
        Assert.Equal(4, await Store.LogLengthAsync(log));
    }

    [Fact]
    public async Task TryAppend_PreviousHashDeepInALongEntry_ReadAsItsHexDigitsAndMatchedWhole()
    {
        var log = Key("linked-long-log");
        var padding = new string('x', 4000);
        Assert.True(await Store.TryAppendAsync(log, 0, """{"hash":"aa01"}"""));

        // Only the whole hash links: a prefix of the last entry's hash does not.
        Assert.False(await Store.TryAppendAsync(log, 1, $$"""{"body":"{{padding}}","hash":"bb02","prev_hash":"aa0"}"""));
        Assert.True(await Store.TryAppendAsync(log, 1, $$"""{"body":"{{padding}}","hash":"bb02","prev_hash":"aa01","z":1}"""));

        // A prev_hash with no hex digits names no previous entry.
        Assert.True(await Store.TryAppendAsync(log, 2, """{"hash":"cc03","prev_hash":""}"""));
        Assert.Equal(3, await Store.LogLengthAsync(log));
    }

    [Fact]
    public async Task TryAppend_ParallelAppendersWithRetry_ProduceGapFreeOrderedLog()
    {
        const int Writers = 8;
        const int EntriesEach = 10;
        var log = Key("audit");
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < EntriesEach; i++)
            {
                while (true)
                {
                    var length = await Store.LogLengthAsync(log);
                    if (await Store.TryAppendAsync(log, length, $"{writer}:{i}:{length}"))
                    {
                        break;
                    }
                }
            }
        })));

        Assert.Equal(Writers * EntriesEach, await Store.LogLengthAsync(log));
        var entries = await Store.ReadLogAsync(log, 0, Writers * EntriesEach + 5);
        Assert.Equal(Writers * EntriesEach, entries.Count);
        for (var index = 0; index < entries.Count; index++)
        {
            // Each entry was written knowing its own index: no gaps, no reordering.
            Assert.EndsWith($":{index}", entries[index], StringComparison.Ordinal);
        }

        foreach (var writer in Enumerable.Range(0, Writers))
        {
            var own = entries.Where(e => e.StartsWith($"{writer}:", StringComparison.Ordinal))
                .Select(e => int.Parse(e.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(Enumerable.Range(0, EntriesEach), own);
        }
    }

    [Fact]
    public async Task TryAppendMany_AtExpectedLength_AppendsAllInOrderElseNone()
    {
        var log = Key("group-log");
        Assert.True(await Store.TryAppendAsync(log, 0, "first"));

        Assert.False(await Store.TryAppendAsync(log, 0, [.. new[] { "stale-a", "stale-b" }.Select(Encoding.UTF8.GetBytes)]));
        Assert.True(await Store.TryAppendAsync(log, 1, [.. new[] { "second", "third", "fourth" }.Select(Encoding.UTF8.GetBytes)]));

        Assert.Equal(4, await Store.LogLengthAsync(log));
        Assert.Equal(["first", "second", "third", "fourth"], await Store.ReadLogAsync(log, 0, 10));
        Assert.Equal(["third", "fourth"], await Store.ReadLogAsync(log, 2, 10));
    }

    [Fact]
    public async Task TryAppendWithFields_AtExpectedLength_SetsAbsentFieldsWithTheEntriesElseNothing()
    {
        var log = Key("explained-log");
        var hash = Key("explanations");
        Assert.True(await Store.TryAppendAsync(log, 0, [Encoding.UTF8.GetBytes("first")], hash, [KeyValuePair.Create("d1", Encoding.UTF8.GetBytes("{\"v\":1}"))]));

        Assert.False(await Store.TryAppendAsync(log, 0, [Encoding.UTF8.GetBytes("stale")], hash, [KeyValuePair.Create("d2", Encoding.UTF8.GetBytes("stale"))]));
        Assert.True(await Store.TryAppendAsync(log, 1, [Encoding.UTF8.GetBytes("second")], hash, [KeyValuePair.Create("d1", Encoding.UTF8.GetBytes("replaced")), KeyValuePair.Create("d3", Encoding.UTF8.GetBytes("ünï"))]));

        Assert.Equal(["first", "second"], await Store.ReadLogAsync(log, 0, 10));
        Assert.Equal("{\"v\":1}", await Store.HashGetAsync(hash, "d1"));
        Assert.Null(await Store.HashGetAsync(hash, "d2"));
        Assert.Equal("ünï", await Store.HashGetAsync(hash, "d3"));
        Assert.Equal(2, await Store.HashLengthAsync(hash));
        Assert.Equal(0, await Store.HashLengthAsync(Key("no-such-hash")));
    }

    [Fact]
    public async Task TryAppendWithCompanionLog_AtExpectedLength_AppendsBothElseNeither()
    {
        var log = Key("receipted-log");
        var companion = Key("receipt-batches");
        var hash = Key("receipted-explanations");
        Assert.True(await Store.TryAppendAsync(log, 0, [Encoding.UTF8.GetBytes("first")], null, [], companion, [Encoding.UTF8.GetBytes("batch-1")]));

        Assert.False(await Store.TryAppendAsync(log, 0, [Encoding.UTF8.GetBytes("stale")], hash, [KeyValuePair.Create("d", Encoding.UTF8.GetBytes("stale"))], companion, [Encoding.UTF8.GetBytes("stale-batch")]));
        Assert.True(await Store.TryAppendAsync(log, 1, [Encoding.UTF8.GetBytes("second"), Encoding.UTF8.GetBytes("third")], hash, [KeyValuePair.Create("d", Encoding.UTF8.GetBytes("ünï"))], companion, [Encoding.UTF8.GetBytes("batch-2"), Encoding.UTF8.GetBytes("batch-3")]));
        Assert.True(await Store.TryAppendAsync(log, 3, [Encoding.UTF8.GetBytes("fourth")], null, [], companion, []));

        Assert.Equal(["first", "second", "third", "fourth"], await Store.ReadLogAsync(log, 0, 10));
        Assert.Equal(["batch-1", "batch-2", "batch-3"], await Store.ReadLogAsync(companion, 0, 10));
        Assert.Equal(["batch-3"], await Store.ReadLogAsync(companion, 2, 10));
        Assert.Equal("ünï", await Store.HashGetAsync(hash, "d"));
    }

    [Fact]
    public async Task ReadLog_Ranges_ReturnRequestedSlices()
    {
        var log = Key("ranges");
        for (var i = 0; i < 10; i++)
        {
            Assert.True(await Store.TryAppendAsync(log, i, $"entry-{i}"));
        }

        Assert.Equal(["entry-0", "entry-1", "entry-2"], await Store.ReadLogAsync(log, 0, 3));
        Assert.Equal(["entry-4", "entry-5"], await Store.ReadLogAsync(log, 4, 2));
        Assert.Equal(["entry-7", "entry-8", "entry-9"], await Store.ReadLogAsync(log, 7, 100));
        Assert.Empty(await Store.ReadLogAsync(log, 10, 5));
        Assert.Empty(await Store.ReadLogAsync(log, 3, 0));
        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(async () => await Store.ReadLogAsync(log, -1, 1));
    }

    [Fact]
    public async Task LogLengthAndReadLog_MissingLog_ReturnZeroAndEmpty()
    {
        Assert.Equal(0, await Store.LogLengthAsync(Key("no-log")));
        Assert.Empty(await Store.ReadLogAsync(Key("no-log"), 0, 10));
    }
}
