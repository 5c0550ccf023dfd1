using Gateway.Audit.Options;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Audit.Tests;

/// <summary>
/// The outcome's linger (<c>Gateway:Audit:OutcomeLinger</c>, #71): an answered request's outcome waits for its chain's next
/// awaited append and goes in its group's one store call, its settle before that group's admissions; alone, it goes when its
/// own linger ends (not the one the timer was armed for); a read sends it at once; with no linger it goes at once.
/// </summary>
public abstract partial class AuditJournalAdmissionTests
{
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(2);

    [Fact]
    public async Task AppendUnawaited_NextAwaitedAppend_RidesItsStoreCallSettledBeforeItsAdmission()
    {
        var (journal, sink, timers) = LingeringJournal(Linger);
        var budget = StoreKeys.Budget(Tenant, "agent-1:*");
        var reserved = await Store.TryReserveAsync(budget, 100, 100, LongWindow);
        Assert.True(reserved.Reserved);

        var outcome = journal.AppendUnawaited(Outcome(0), new BudgetSettle(budget, 100, 25, LongWindow, reserved.Slot));
        Assert.Equal(0, sink.Calls);
        Assert.Equal(Linger, timers.Due);

        // The next request reserves 75 of the 100: granted only when the outcome's settle came first.
        var next = Admission("n-1", limit: 3) with { Budget = new BudgetReservation(budget, 75, 100, LongWindow) };
        var decided = await journal.AppendWithReceiptAsync(Decided(1), next);
        await outcome;

        Assert.Equal(1, sink.Calls);
        Assert.Equal([1], sink.Admissions.ToArray());
        Assert.True(decided.Admission!.Value.Budget!.Value.Reserved);
        Assert.Equal(2, (await journal.VerifyAsync(Tenant)).Records);
    }

    [Fact]
    public async Task AppendUnawaited_Alone_SentWhenItsLingerEnds()
    {
        var (journal, sink, timers) = LingeringJournal(Linger);

        var outcome = journal.AppendUnawaited(Outcome(0));
        Assert.False(outcome.IsCompleted);
        Assert.Equal(0, sink.Calls + sink.PlainAppends);

        timers.Fire();
        await outcome.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, sink.Calls + sink.PlainAppends);
        Assert.Equal(1, (await journal.VerifyAsync(Tenant)).Records);
    }

    [Fact]
    public async Task AppendUnawaited_QueuedAfterTheTimerWasArmed_LingersItsOwnTime()
    {
        var (journal, sink, timers) = LingeringJournal(Linger);
        var first = journal.AppendUnawaited(Outcome(0));
        timers.Advance(Linger * 3 / 4);
        await journal.AppendWithReceiptAsync(Decided(1), Admission("n-1", limit: 3));
        await first;
        var calls = sink.Calls + sink.PlainAppends;

        // Queued three quarters into the linger the timer was armed for: at the timer's end it has lingered a quarter of its own.
        var second = journal.AppendUnawaited(Outcome(2));
        timers.Fire();
        Assert.False(second.IsCompleted);
        Assert.Equal(calls, sink.Calls + sink.PlainAppends);
        Assert.Equal(Linger * 3 / 4, timers.Due);

        timers.Fire();
        await second.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(calls + 1, sink.Calls + sink.PlainAppends);
        Assert.Equal(3, (await journal.VerifyAsync(Tenant)).Records);
    }

    [Fact]
    public async Task WaitForUnawaitedAsync_OutcomeLingering_SendsItAtOnce()
    {
        var (journal, sink, _) = LingeringJournal(Linger);
        var outcome = journal.AppendUnawaited(Outcome(0));

        await journal.WaitForUnawaitedAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(outcome.IsCompleted);
        Assert.Equal(1, sink.Calls + sink.PlainAppends);
        Assert.Equal("req-0", Assert.Single(await journal.ReadAsync(Tenant, 0, 10)).GetProperty("request_id").GetString());
    }

    [Fact]
    public async Task AppendUnawaited_NoLinger_SentAtOnce()
    {
        var (journal, sink, timers) = LingeringJournal(TimeSpan.Zero);

        await journal.AppendUnawaited(Outcome(0)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, sink.Calls + sink.PlainAppends);
        Assert.Null(timers.Due);
    }

    // A journal over this test's store whose outcomes linger for linger, its sink counting calls, its timers held.
    private (AuditJournal Journal, GatedAdmittingSink Sink, HeldTimers Timers) LingeringJournal(TimeSpan linger)
    {
        var timers = new HeldTimers();
        var sink = new GatedAdmittingSink(new StoreAuditStore(Store), hold: false);
        var journal = new AuditJournal(sink, [], timers, TestServices.Metrics,
            MsOptions.Create(new AuditOptions { ReplicaId = TestServices.Replica, ChainsPerReplica = 1, GroupsInFlight = TestServices.GroupsInFlight, OutcomeLinger = linger }),
            MsOptions.Create(new EvidenceOptions()), TestServices.ReceiptKeys, NullLogger<AuditJournal>.Instance);
        return (journal, sink, timers);
    }

    /// <summary>
    /// A clock whose timers fire only when told (<see cref="Fire"/>, the clock moved to the timer's due time) and whose
    /// timestamps move only then or when advanced; the last timer armed and its due time (from its arming) are kept.
    /// </summary>
    private sealed class HeldTimers : TimeProvider
    {
        private HeldTimer? _last;
        private long _now;

        /// <summary>The due time the last timer was armed with (null: none armed).</summary>
        public TimeSpan? Due => _last?.Due;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _now;

        public void Advance(TimeSpan by) => _now += by.Ticks;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new HeldTimer(this, callback, state);
            timer.Change(dueTime, period);
            return _last = timer;
        }

        public void Fire()
        {
            var timer = _last ?? throw new InvalidOperationException("No timer was made.");
            Assert.NotNull(timer.Due);
            _now = Math.Max(_now, timer.DueAt);
            timer.Due = null;
            timer.Callback(timer.State);
        }

        private sealed class HeldTimer(HeldTimers clock, TimerCallback callback, object? state) : ITimer
        {
            public TimerCallback Callback => callback;

            public object? State => state;

            public TimeSpan? Due { get; set; }

            /// <summary>The clock's timestamp the timer is due at.</summary>
            public long DueAt { get; private set; }

            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : dueTime;
                DueAt = clock.GetTimestamp() + (Due?.Ticks ?? 0);
                return true;
            }

            public void Dispose() => Due = null;

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}
