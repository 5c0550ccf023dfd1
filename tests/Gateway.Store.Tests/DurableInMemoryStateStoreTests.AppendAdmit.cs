using System.Text;

namespace Gateway.Store.Tests;

// The embedded store's append that admits (#71) across a restart: the log's entries and the admissions' effects are one
// journal record, so a reopened store holds both, and a crash that tears that record keeps neither.
public sealed partial class DurableInMemoryStateStoreTests
{
    [Fact]
    public async Task TryAppendAdmitting_AfterReopen_KeepsTheEntriesAndEveryAdmissionsEffects()
    {
        var window = new RateLimitWindow("rl:agent", 2, TimeSpan.FromHours(1));
        using (var store = Open())
        {
            var result = await store.TryAppendAdmittingAsync("log", 0, [Bytes("decision")], "hash", [KeyValuePair.Create("d", Bytes("e"))], "receipts", [Bytes("batch")],
                [Admission("n-1", window) with { Budget = new BudgetReservation("budget", 40, 100, TimeSpan.FromHours(1)) }], []);
            Assert.True(result.Appended);
            Assert.True(Assert.Single(result.Outcomes).Budget!.Value.Reserved);
        }

        using var reopened = Open();
        Assert.Equal(["decision"], await reopened.ReadLogAsync("log", 0, 10));
        Assert.Equal(["batch"], await reopened.ReadLogAsync("receipts", 0, 10));
        Assert.Equal("e", await reopened.HashGetAsync("hash", "d"));
        Assert.False((await reopened.AdmitAsync(Admission("n-1", window))).NonceFresh);
        Assert.True((await reopened.AdmitAsync(Admission("n-2", window))).RateLimit.Admitted);
        Assert.False((await reopened.AdmitAsync(Admission("n-3", window))).RateLimit.Admitted);
        Assert.Equal(40, (await reopened.TryReserveAsync("budget", 0, 100, TimeSpan.FromHours(1))).Used);
    }

    [Fact]
    public async Task TryAppendAdmitting_SettleAfterReopen_KeepsTheSettledAmount()
    {
        var hour = TimeSpan.FromHours(1);
        using (var store = Open())
        {
            var reserved = await store.TryReserveAsync("budget", 80, 100, hour);
            Assert.True(reserved.Reserved);
            Assert.True((await store.TryAppendAdmittingAsync("log", 0, [Bytes("outcome")], null, [], null, [], [], [new BudgetSettle("budget", 80, 15, hour, reserved.Slot)])).Appended);
        }

        using var reopened = Open();
        Assert.Equal(["outcome"], await reopened.ReadLogAsync("log", 0, 10));
        Assert.Equal(15, (await reopened.TryReserveAsync("budget", 0, 100, hour)).Used);
    }

    [Fact]
    public async Task TryAppendAdmitting_CrashTearsItsRecord_ReopenedStoreHoldsNeitherTheEntriesNorTheAdmission()
    {
        string path;
        long before;
        using (var store = Open())
        {
            Assert.True(await store.TrySetIfAbsentAsync("nonce:earlier", "1", TimeSpan.FromMinutes(10)));
            path = store.JournalPath!;
            before = store.JournalLength;
            var result = await store.TryAppendAdmittingAsync("log", 0, [Bytes("decision")], null, [], null, [], [Admission("n-torn")], []);
            Assert.True(result.Appended);
        }

        // A crash before the end of the append's record reached the disk: every byte of it but the last.
        using (var file = new FileStream(path, FileMode.Open))
        {
            Assert.True(file.Length > before + 1);
            file.SetLength(file.Length - 1);
        }

        using var reopened = Open();
        Assert.False(await reopened.TrySetIfAbsentAsync("nonce:earlier", "1", TimeSpan.FromMinutes(10)));
        Assert.Equal(0, await reopened.LogLengthAsync("log"));
        Assert.True((await reopened.AdmitAsync(Admission("n-torn"))).NonceFresh);
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
