using Gateway.Audit.Tests.Infrastructure;
using Gateway.Testing;

namespace Gateway.Audit.Tests;

/// <summary>
/// A chain's times across a restart: the first record sealed by a new process is never before the chain's last stored
/// one, even on a clock that stepped back meanwhile (NTP, a replica moved to a node whose clock is behind).
/// </summary>
public abstract partial class AuditJournalTests
{
    [Fact]
    public async Task AppendAsync_ClockSteppedBackAcrossARestart_TimeNotBeforeTheStoredLast()
    {
        var before = TestServices.Journal(CreateSink(), Time);
        await before.AppendAsync(Entry(0));
        Time.Advance(TimeSpan.FromMinutes(10));
        var last = await before.AppendAsync(Entry(1));

        // A new process over the same storage, on a clock an hour behind the one that sealed the chain's last record.
        var behind = new ManualTimeProvider(Time.GetUtcNow() - TimeSpan.FromHours(1));
        var restarted = TestServices.Journal(CreateSink(), behind);
        var next = await restarted.AppendAsync(Entry(2));

        Assert.Equal(last.Hash, next.PrevHash);
        Assert.True(next.Time >= last.Time, $"the record sealed after the restart has time {next.Time:O}, before the stored last one: {last.Time:O}");
        var stored = (await restarted.ReadAsync(Tenant, 0, 10)).Select(static r => r.GetProperty("time").GetDateTimeOffset()).ToList();
        Assert.Equal(3, stored.Count);
        Assert.True(stored[2] >= stored[1], $"stored times go back along the chain: {stored[1]:O}, then {stored[2]:O}");
        Assert.True((await restarted.VerifyAsync(Tenant)).Intact);
    }
}
