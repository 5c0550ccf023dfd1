using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary>
/// What the embedded store's journal keeps across a restart (a new store opened on the same directory, as a
/// new process would): nonces stay used, single-use values stay taken, kill switches stay on, rate-limit windows
/// and budgets keep their counts, sets and logs their members; a torn tail is cut at the last whole record;
/// compaction keeps exactly the live state.
/// </summary>
public sealed partial class DurableInMemoryStateStoreTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gw-state-");
    private readonly ManualTimeProvider _time = new(DateTimeOffset.UtcNow);

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Admit_SameNonceAfterReopen_IsStillAReplay()
    {
        var request = Admission("nonce-1");
        using (var store = Open())
        {
            Assert.True((await store.AdmitAsync(request)).NonceFresh);
        }

        using var reopened = Open();
        Assert.False((await reopened.AdmitAsync(request)).NonceFresh);
        Assert.True((await reopened.AdmitAsync(Admission("nonce-2"))).NonceFresh);
    }

    [Fact]
    public async Task Take_SingleUseValueAfterReopen_StaysTaken()
    {
        using (var store = Open())
        {
            await store.SetAsync("warrant:w1", "payload", TimeSpan.FromMinutes(10));
            await store.SetAsync("warrant:w2", "payload", TimeSpan.FromMinutes(10));
            Assert.Equal("payload", await store.TakeAsync("warrant:w1"));
        }

        using var reopened = Open();
        Assert.Null(await reopened.TakeAsync("warrant:w1"));
        Assert.Equal("payload", await reopened.TakeAsync("warrant:w2"));
    }

    [Fact]
    public async Task Set_KillSwitchAfterReopen_StaysOnUntilDeleted()
    {
        using (var store = Open())
        {
            await store.SetAsync("switch:agent", "on", expiry: null);
        }

        using (var reopened = Open())
        {
            Assert.True((await reopened.AdmitAsync(Admission("n-1", switches: ["switch:agent"]))).IsSwitchOn(0));
            Assert.True(await reopened.DeleteAsync("switch:agent"));
        }

        using var again = Open();
        Assert.False((await again.AdmitAsync(Admission("n-2", switches: ["switch:agent"]))).IsSwitchOn(0));
    }

    [Fact]
    public async Task Admit_RateLimitWindowAfterReopen_KeepsItsCount()
    {
        var window = new RateLimitWindow("limit:refunds", 2, TimeSpan.FromHours(1), 1);
        using (var store = Open())
        {
            Assert.True((await store.AdmitAsync(Admission("r-1", window))).RateLimit.Admitted);
            Assert.True((await store.AdmitAsync(Admission("r-2", window))).RateLimit.Admitted);
        }

        using var reopened = Open();
        Assert.False((await reopened.AdmitAsync(Admission("r-3", window))).RateLimit.Admitted);
    }

    [Fact]
    public async Task Reserve_BudgetAfterReopen_KeepsWhatWasSettled()
    {
        using (var store = Open())
        {
            var reserved = await store.TryReserveAsync("budget:tokens", 600, 1000, TimeSpan.FromHours(1));
            Assert.True(reserved.Reserved);
            Assert.Equal(400, await store.SettleAsync("budget:tokens", 600, 400, TimeSpan.FromHours(1), reserved.Slot));
        }

        using var reopened = Open();
        Assert.False((await reopened.TryReserveAsync("budget:tokens", 601, 1000, TimeSpan.FromHours(1))).Reserved);
        Assert.True((await reopened.TryReserveAsync("budget:tokens", 600, 1000, TimeSpan.FromHours(1))).Reserved);
    }

    [Fact]
    public async Task SetAddAndAppend_AfterReopen_KeepMembersAndEntriesInOrder()
    {
        using (var store = Open())
        {
            await store.SetAddAsync("approvers:a1", "alice", TimeSpan.FromHours(1));
            await store.SetAddAsync("approvers:a1", "bob", TimeSpan.FromHours(1));
            Assert.True(await store.TryAppendAsync("log:t", 0, "first"));
            Assert.True(await store.TryAppendAsync("log:t", 1, [System.Text.Encoding.UTF8.GetBytes("second"), System.Text.Encoding.UTF8.GetBytes("third")]));
            await store.IncrementAsync("counter:c", 5, expiry: null);
        }

        using var reopened = Open();
        Assert.Equal(["alice", "bob"], await reopened.SetMembersAsync("approvers:a1"));
        Assert.Equal(["first", "second", "third"], await reopened.ReadLogAsync("log:t", 0, 10));
        Assert.Equal(7, await reopened.IncrementAsync("counter:c", 2, expiry: null));
    }

    [Fact]
    public async Task AppendWithFields_AfterReopenAndCompaction_KeepsTheFieldsFirstValues()
    {
        using (var store = Open())
        {
            Assert.True(await store.TryAppendAsync("log:e", 0, [System.Text.Encoding.UTF8.GetBytes("first")], "hash:e", [KeyValuePair.Create("d1", System.Text.Encoding.UTF8.GetBytes("one"))]));
            Assert.True(await store.TryAppendAsync("log:e", 1, [System.Text.Encoding.UTF8.GetBytes("second")], "hash:e", [KeyValuePair.Create("d1", System.Text.Encoding.UTF8.GetBytes("again")), KeyValuePair.Create("d2", System.Text.Encoding.UTF8.GetBytes("two"))]));
        }

        // Opened twice: replayed from the appended records, then from the snapshot the first reopen compacted them to.
        using (var reopened = Open())
        {
            Assert.Equal("one", await reopened.HashGetAsync("hash:e", "d1"));
        }

        using var again = Open();
        Assert.Equal("one", await again.HashGetAsync("hash:e", "d1"));
        Assert.Equal("two", await again.HashGetAsync("hash:e", "d2"));
        Assert.Equal(2, await again.HashLengthAsync("hash:e"));
        Assert.Equal(["first", "second"], await again.ReadLogAsync("log:e", 0, 10));
    }

    [Fact]
    public async Task AppendWithCompanionLog_AfterReopenAndCompaction_KeepsBothLogs()
    {
        using (var store = Open())
        {
            Assert.True(await store.TryAppendAsync("log:r", 0, [System.Text.Encoding.UTF8.GetBytes("first")], null, [], "log:receipts", [System.Text.Encoding.UTF8.GetBytes("batch-1")]));
            Assert.True(await store.TryAppendAsync("log:r", 1, [System.Text.Encoding.UTF8.GetBytes("second")], null, [], "log:receipts", [System.Text.Encoding.UTF8.GetBytes("batch-2")]));
        }

        using (var reopened = Open())
        {
            Assert.Equal(["batch-1", "batch-2"], await reopened.ReadLogAsync("log:receipts", 0, 10));
        }

        using var again = Open();
        Assert.Equal(["first", "second"], await again.ReadLogAsync("log:r", 0, 10));
        Assert.Equal(["batch-1", "batch-2"], await again.ReadLogAsync("log:receipts", 0, 10));
    }

    [Fact]
    public async Task Reopen_TornTail_KeepsEveryWholeRecordAndAcceptsNewOnes()
    {
        string path;
        using (var store = Open())
        {
            Assert.True(await store.TrySetIfAbsentAsync("nonce:a", "1", TimeSpan.FromMinutes(10)));
            Assert.True(await store.TrySetIfAbsentAsync("nonce:b", "1", TimeSpan.FromMinutes(10)));
            path = store.JournalPath!;
        }

        // A crash in the middle of a group: half a record, then garbage.
        var whole = new FileInfo(path).Length;
        await using (var file = new FileStream(path, FileMode.Append))
        {
            await file.WriteAsync(new byte[] { 40, 0, 0, 0, 1, 2, 3, 4, 1, 9, 9 });
        }

        using (var reopened = Open())
        {
            Assert.False(await reopened.TrySetIfAbsentAsync("nonce:a", "1", TimeSpan.FromMinutes(10)));
            Assert.False(await reopened.TrySetIfAbsentAsync("nonce:b", "1", TimeSpan.FromMinutes(10)));
            Assert.True(await reopened.TrySetIfAbsentAsync("nonce:c", "1", TimeSpan.FromMinutes(10)));
        }

        using var again = Open();
        Assert.False(await again.TrySetIfAbsentAsync("nonce:c", "1", TimeSpan.FromMinutes(10)));
        Assert.True(new FileInfo(path).Length >= whole);
    }

    [Fact]
    public async Task Reopen_CorruptRecordInTheMiddle_KeepsTheRecordsBeforeIt()
    {
        string path;
        long firstEnd;
        using (var store = Open())
        {
            Assert.True(await store.TrySetIfAbsentAsync("nonce:a", "1", TimeSpan.FromMinutes(10)));
            path = store.JournalPath!;
            firstEnd = store.JournalLength;
            Assert.True(await store.TrySetIfAbsentAsync("nonce:b", "1", TimeSpan.FromMinutes(10)));
        }

        // Flip one byte of the second (last) record's payload: its checksum no longer holds, and no record follows it, so it
        // reads as a torn tail (DurableInMemoryStateStoreTests.Damage.cs: with a whole record after it, the open is refused).
        await using (var file = new FileStream(path, FileMode.Open))
        {
            file.Position = firstEnd + 12;
            var b = (byte)file.ReadByte();
            file.Position = firstEnd + 12;
            file.WriteByte((byte)(b ^ 0xff));
        }

        using var reopened = Open();
        Assert.False(await reopened.TrySetIfAbsentAsync("nonce:a", "1", TimeSpan.FromMinutes(10)));
        Assert.True(await reopened.TrySetIfAbsentAsync("nonce:b", "1", TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public async Task Reopen_ExpiredEntries_AreNotKept()
    {
        using (var store = Open())
        {
            Assert.True(await store.TrySetIfAbsentAsync("nonce:old", "1", TimeSpan.FromSeconds(30)));
            Assert.True(await store.TrySetIfAbsentAsync("nonce:live", "1", TimeSpan.FromMinutes(30)));
        }

        _time.Advance(TimeSpan.FromMinutes(1));
        using var reopened = Open();
        Assert.True(await reopened.TrySetIfAbsentAsync("nonce:old", "1", TimeSpan.FromSeconds(30)));
        Assert.False(await reopened.TrySetIfAbsentAsync("nonce:live", "1", TimeSpan.FromMinutes(30)));
    }

    [Fact]
    public async Task Compaction_JournalGrownPastItsThreshold_ShrinksToTheLiveStateAndKeepsIt()
    {
        string path;
        using (var store = InMemoryStateStore.OpenDurable(_directory.FullName, _time, compactionThresholdBytes: 16 * 1024))
        {
            path = store.JournalPath!;
            for (var i = 0; i < 2000; i++)
            {
                // The same counter rewritten: the journal grows, the live state stays one key.
                await store.IncrementAsync("counter:hot", 1, expiry: null);
            }

            // Compacted beside the store, in the background, as changes go on: the journal shrinks once a rewrite has replaced it.
            await Gateway.Testing.Eventually.HoldsAsync(
                async () =>
                {
                    await store.SetAsync("switch:x", "on", expiry: null);
                    return store.JournalLength < 16 * 1024 * 2;
                },
                TimeSpan.FromSeconds(30),
                () => $"the journal was not compacted ({store.JournalLength} bytes)");
        }

        // Closed, the file ends at its last record: the zeros written ahead of the records are cut off.
        Assert.True(new FileInfo(path).Length < 16 * 1024 * 2, $"the closed journal is {new FileInfo(path).Length} bytes");
        using var reopened = Open();
        Assert.Equal(2001, await reopened.IncrementAsync("counter:hot", 1, expiry: null));
        Assert.Equal("on", await reopened.GetAsync("switch:x"));
    }

    [Fact]
    public async Task Admit_TokenRecordsAndTheirUse_SurviveARestart()
    {
        using (var store = Open())
        {
            await store.AdmitAsync(Admission("token-a") with { Token = new TokenRecording("token:a", TimeSpan.FromMinutes(5), []) });
            await store.AdmitAsync(Admission("token-b") with { Token = new TokenRecording("token:b", TimeSpan.FromMinutes(5), []) { ConsumeKey = "token:a" } });
        }

        using var reopened = Open();
        Assert.Equal([TokenRecording.Used, TokenRecording.Issued], await reopened.GetManyAsync(["token:a", "token:b"]));
        var again = await reopened.AdmitAsync(Admission("token-c") with { Token = new TokenRecording("token:c", TimeSpan.FromMinutes(5), []) { ConsumeKey = "token:a" } });
        Assert.Equal(TokenConsumption.AlreadyUsed, again.Token!.Consumption);
    }

    [Fact]
    public async Task Admit_UsedTokenRecordAfterReopen_KeepsItsExpiry()
    {
        using (var store = Open())
        {
            await store.AdmitAsync(Admission("token-a") with { Token = new TokenRecording("token:a", TimeSpan.FromMinutes(5), []) });
            _time.Advance(TimeSpan.FromMinutes(4));
            var used = await store.AdmitAsync(Admission("token-b") with { Token = new TokenRecording("token:b", TimeSpan.FromMinutes(5), []) { ConsumeKey = "token:a" } });
            Assert.Equal(TokenConsumption.Consumed, used.Token!.Consumption);
        }

        _time.Advance(TimeSpan.FromSeconds(59));
        using (var reopened = Open())
        {
            Assert.Equal([TokenRecording.Used, TokenRecording.Issued], await reopened.GetManyAsync(["token:a", "token:b"]));
        }

        _time.Advance(TimeSpan.FromSeconds(2));
        using var later = Open();
        Assert.Equal([null, TokenRecording.Issued], await later.GetManyAsync(["token:a", "token:b"]));
        var again = await later.AdmitAsync(Admission("token-c") with { Token = new TokenRecording("token:c", TimeSpan.FromMinutes(5), []) { ConsumeKey = "token:a" } });
        Assert.Equal(TokenConsumption.NotRecorded, again.Token!.Consumption);
    }

    [Fact]
    public async Task Admit_ManyConcurrentCallers_EveryAcknowledgedNonceSurvives()
    {
        var nonces = Enumerable.Range(0, 400).Select(i => "concurrent-" + i).ToArray();
        using (var store = Open())
        {
            var outcomes = await Task.WhenAll(nonces.Select(n => Task.Run(async () => await store.AdmitAsync(Admission(n)))));
            Assert.All(outcomes, o => Assert.True(o.NonceFresh));
        }

        using var reopened = Open();
        foreach (var nonce in nonces)
        {
            Assert.False((await reopened.AdmitAsync(Admission(nonce))).NonceFresh, nonce);
        }
    }

    [Fact]
    public async Task TrySetIfAbsent_ManyConcurrentCallers_EachIsInTheJournalFileWhenAcknowledged()
    {
        using var store = Open();
        var path = store.JournalPath!;
        var late = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                var key = $"ack-{worker}-{i}-" + Guid.NewGuid().ToString("N");
                Assert.True(await store.TrySetIfAbsentAsync(key, "1", TimeSpan.FromMinutes(10)));

                // Acknowledged means written (and fsynced) by some group leader already: the key is in the file.
                await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                var bytes = new byte[file.Length];
                await file.ReadExactlyAsync(bytes);
                if (bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(key)) < 0)
                {
                    late.Add(key);
                }
            }
        })));

        Assert.Empty(late);
    }

    private InMemoryStateStore Open() => InMemoryStateStore.OpenDurable(_directory.FullName, _time);

    private static AdmissionRequest Admission(string nonce, RateLimitWindow? window = null, IReadOnlyList<string>? switches = null) =>
        new("nonce:" + nonce, "0", TimeSpan.FromMinutes(10), switches ?? [], window is { } w ? [w] : []);
}
