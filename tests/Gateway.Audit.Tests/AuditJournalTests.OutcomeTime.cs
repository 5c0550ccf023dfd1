using Gateway.Audit.Options;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Testing.Stores;

namespace Gateway.Audit.Tests;

/// <summary>
/// A record's time: a decision's when its group is sealed; an answered request's outcome (appended off the response path,
/// lingering for its chain's next group) when it was appended, so that a read in (time, replica, seq) order shows it before
/// the next request the agent sent once answered, even when that request's decision went to another chain and was sealed
/// first; and never earlier than the record before it in its chain.
/// </summary>
public abstract partial class AuditJournalTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(1);

    [Fact]
    public async Task QueryAsync_OutcomeLingersWhileTheNextRequestIsDecidedOnAnotherChain_DecisionOutcomeThenNextDecision()
    {
        var clock = new SteppedClock(Time.GetUtcNow());
        var journal = TestServices.Journal(CreateSink(), clock, chains: 2);
        var (first, next) = OnTwoChains(journal);
        await journal.AppendAsync(Decided(first));

        // Answered: its outcome lingers on its chain; the agent's next request is decided on the other chain meanwhile.
        clock.Advance(Step);
        var answered = clock.GetUtcNow();
        var outcome = journal.AppendUnawaited(Outcome("crm.update", "allow", "req-" + first, 200, 200, 1));
        clock.Advance(Step);
        await journal.AppendAsync(Decided(next));
        Assert.False(outcome.IsCompleted, "the outcome did not linger");
        clock.Advance(new AuditOptions().OutcomeLinger);
        await outcome.WaitAsync(TimeSpan.FromSeconds(30));

        var page = await journal.QueryAsync(Tenant, new AuditQuery { Limit = 10 });

        Assert.Equal(
            [$"req-{first}:decision", $"req-{first}:outcome", $"req-{next}:decision"],
            page.Records.Select(static r => r.GetProperty("request_id").GetString() + (r.TryGetProperty("invoked", out var invoked) && invoked.GetBoolean() ? ":outcome" : ":decision")));
        Assert.Equal(answered, page.Records[1].GetProperty("time").GetDateTimeOffset());
        Assert.True((await journal.VerifyAsync(Tenant)).Intact);
    }

    [Fact]
    public async Task AppendUnawaited_OutcomeQueuedAfterADecisionOfItsGroup_TimeNotBeforeTheDecisions()
    {
        var clock = new SteppedClock(Time.GetUtcNow());
        var sink = new HoldingSink(CreateSink());
        var journal = TestServices.Journal(sink, clock);
        await journal.AppendAsync(Decided(0));
        var held = sink.HoldNext();
        clock.Advance(Step);
        var inFlight = journal.AppendAsync(Decided(1)).AsTask();
        await held.Started.Task;

        // Queued behind the group in flight: a decision, then the outcome of request 0 (answered before the group is sealed).
        clock.Advance(Step);
        var decided = journal.AppendAsync(Decided(2)).AsTask();
        clock.Advance(Step);
        var outcome = journal.AppendUnawaited(Outcome("crm.update", "allow", "req-0", 200, 200, 1));
        clock.Advance(Step);
        var sealedAt = clock.GetUtcNow();
        held.Release.SetResult();
        await Task.WhenAll(inFlight, decided, outcome).WaitAsync(TimeSpan.FromSeconds(30));

        var times = await ChainTimesAsync(journal);

        Assert.Equal(4, times.Count);
        AssertNeverDecrease(times);
        Assert.Equal([sealedAt, sealedAt], times[^2..]);
    }

    [Fact]
    public async Task AppendUnawaited_OutcomeQueuedBehindAFullGroup_TimeNotBeforeThatGroups()
    {
        var clock = new SteppedClock(Time.GetUtcNow());
        var sink = new HoldingSink(CreateSink());
        var journal = TestServices.Journal(sink, clock);
        await journal.AppendAsync(Decided(0));
        var held = sink.HoldNext();
        var inFlight = journal.AppendAsync(Entry(1000)).AsTask();
        await held.Started.Task;

        // A whole group of decisions queued, then the outcome of request 0: it is left for the group after theirs.
        clock.Advance(Step);
        var decided = Enumerable.Range(1, AuditChainWriter.MaxGroup).Select(i => journal.AppendAsync(Decided(i)).AsTask()).ToArray();
        var outcome = journal.AppendUnawaited(Outcome("crm.update", "allow", "req-0", 200, 200, 1));
        clock.Advance(Step);
        var sealedAt = clock.GetUtcNow();
        held.Release.SetResult();
        await Task.WhenAll(decided.Append(inFlight)).WaitAsync(TimeSpan.FromSeconds(30));
        clock.Advance(new AuditOptions().OutcomeLinger);
        await journal.WaitForUnawaitedAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await outcome;

        var times = await ChainTimesAsync(journal);

        AssertNeverDecrease(times);
        Assert.Equal(sealedAt, times[^1]);
    }

    // The first request id (req-i) of the journal's first chain and the first of its second.
    private (int First, int Next) OnTwoChains(AuditJournal journal)
    {
        var first = journal.ChainOf(Tenant, "req-0").Replica;
        var next = Enumerable.Range(1, 1000).First(i => journal.ChainOf(Tenant, "req-" + i).Replica != first);
        return (0, next);
    }

    // The times of the journal's (one) chain, in seq order.
    private async Task<List<DateTimeOffset>> ChainTimesAsync(AuditJournal journal) =>
        [.. (await journal.ReadAsync(Tenant, 0, 1000)).Select(static r => r.GetProperty("time").GetDateTimeOffset())];

    private static void AssertNeverDecrease(List<DateTimeOffset> times)
    {
        for (var i = 1; i < times.Count; i++)
        {
            Assert.True(times[i] >= times[i - 1], $"the record at seq {i + 1} has time {times[i]:O}, before the one at seq {i}: {times[i - 1]:O}");
        }
    }

    /// <summary>Holds the next append it is told to until released.</summary>
    private sealed class HoldingSink(IAuditStore inner) : DelegatingAuditStore(inner)
    {
        private Held? _next;

        public Held HoldNext()
        {
            var held = new Held();
            Volatile.Write(ref _next, held);
            return held;
        }

        public override async ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _next, null) is { } held)
            {
                held.Started.SetResult();
                await held.Release.Task;
            }

            return await Inner.TryAppendAsync(partition, expectedLength, lines, lastHash, explanations, receipts, cancellationToken);
        }
    }

    /// <summary>An append held: started, and released when told.</summary>
    private sealed class Held
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// A clock that moves only when advanced (its wall time and its timestamps together); a timer fires when the clock is
    /// advanced past its due time, on the advancing thread.
    /// </summary>
    private sealed class SteppedClock(DateTimeOffset start) : TimeProvider
    {
        private readonly Lock _gate = new();
        private readonly List<SteppedTimer> _timers = [];
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp()
        {
            lock (_gate)
            {
                return _ticks;
            }
        }

        public override DateTimeOffset GetUtcNow() => start + TimeSpan.FromTicks(GetTimestamp());

        public void Advance(TimeSpan by)
        {
            List<SteppedTimer> due;
            lock (_gate)
            {
                _ticks += by.Ticks;
                due = [.. _timers.Where(t => t.DueAt is { } at && at <= _ticks)];
                foreach (var timer in due)
                {
                    timer.DueAt = null;
                }
            }

            foreach (var timer in due)
            {
                timer.Callback(timer.State);
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new SteppedTimer(this, callback, state);
            lock (_gate)
            {
                _timers.Add(timer);
            }

            timer.Change(dueTime, period);
            return timer;
        }

        private sealed class SteppedTimer(SteppedClock clock, TimerCallback callback, object? state) : ITimer
        {
            public TimerCallback Callback => callback;

            public object? State => state;

            /// <summary>The clock's timestamp it is due at (null: not armed).</summary>
            public long? DueAt { get; set; }

            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                lock (clock._gate)
                {
                    DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : clock._ticks + dueTime.Ticks;
                }

                return true;
            }

            public void Dispose() => Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}
