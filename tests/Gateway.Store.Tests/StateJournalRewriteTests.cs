using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary>
/// The journal rewritten beside the store (<see cref="StateJournal.BeginRewrite"/>, <see cref="StateJournal.CompleteRewrite"/>):
/// the new file holds the snapshot and every record written after it began, once each, whether or not a group was
/// written meanwhile, and the journal goes on in it.
/// </summary>
public sealed class StateJournalRewriteTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gw-journal-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task CompleteRewrite_GroupsWrittenWhileItRuns_AreCarriedOnceAfterTheSnapshot()
    {
        using (var journal = StateJournal.Open(_directory.FullName, static _ => { }))
        {
            await journal.WaitDurableAsync(Put(journal, "before-1"));
            Put(journal, "before-2");
            journal.BeginRewrite();
            await journal.WaitDurableAsync(Put(journal, "during-1"));
            await journal.WaitDurableAsync(Put(journal, "during-2"));
            journal.CompleteRewrite(Snapshot(journal, "snapshot"));
            await journal.WaitDurableAsync(Put(journal, "after"));
        }

        Assert.Equal(["snapshot", "during-1", "during-2", "after"], Replayed());
    }

    [Fact]
    public async Task CompleteRewrite_NoGroupWrittenWhileItRuns_DropsThePendingRecordsTheSnapshotCovers()
    {
        using (var journal = StateJournal.Open(_directory.FullName, static _ => { }))
        {
            Put(journal, "before");
            journal.BeginRewrite();
            var during = Put(journal, "during");
            journal.CompleteRewrite(Snapshot(journal, "snapshot"));
            await journal.WaitDurableAsync(during);
        }

        Assert.Equal(["snapshot", "during"], Replayed());
    }

    [Fact]
    public async Task CompleteRewrite_OnlySnapshotCoveredRecordsPending_CompletesTheirWait()
    {
        using (var journal = StateJournal.Open(_directory.FullName, static _ => { }))
        {
            var before = Put(journal, "before");
            journal.BeginRewrite();
            journal.CompleteRewrite(Snapshot(journal, "snapshot"));
            await journal.WaitDurableAsync(before);
            Assert.False(journal.NeedsCompaction);
        }

        Assert.Equal(["snapshot"], Replayed());
    }

    [Fact]
    public async Task CompleteRewrite_ASnapshotManyTimesItsBuffer_ReplaysEveryRecordInOrder()
    {
        var keys = Enumerable.Range(0, 20_000).Select(i => "snapshot-" + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).ToList();
        using (var journal = StateJournal.Open(_directory.FullName, static _ => { }))
        {
            journal.BeginRewrite();
            var during = Put(journal, "during");
            using var snapshot = new StateJournalSnapshot(journal.Path);
            foreach (var key in keys)
            {
                snapshot.PutText(key, "1", null);
            }

            Assert.True(new FileInfo(snapshot.Path).Length > 512 * 1024, "the records are written to the file as they are made");
            journal.CompleteRewrite(snapshot);
            await journal.WaitDurableAsync(during);
        }

        Assert.Equal([.. keys, "during"], Replayed());
    }

    [Fact]
    public async Task CompleteRewrite_GroupsWrittenBackToBack_EndsWhileTheyGoOnAndCarriesEachRecordAfterItsStartOnce()
    {
        var gate = new Lock();
        var begun = false;
        var rewritten = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var acknowledged = 0;
        var written = new List<(string Key, bool AfterBegin)>[2];
        using (var journal = StateJournal.Open(_directory.FullName, static _ => { }))
        {
            // Two writers, each waiting for its record to be durable before the next: groups follow one another.
            var writers = Enumerable.Range(0, written.Length).Select(w => Task.Run(async () =>
            {
                var own = written[w] = [];
                for (var i = 0; !rewritten.Task.IsCompleted || i % 200 != 0; i++)
                {
                    var key = $"w{w}-{i}";
                    long sequence;
                    lock (gate)
                    {
                        sequence = Put(journal, key);
                        own.Add((key, begun));
                    }

                    await journal.WaitDurableAsync(sequence);
                    Interlocked.Increment(ref acknowledged);
                }
            })).ToArray();

            await Eventually.HoldsAsync(() => Volatile.Read(ref acknowledged) >= 100, TimeSpan.FromSeconds(30), () => "the writers wrote nothing");
            lock (gate)
            {
                journal.BeginRewrite();
                begun = true;
            }

            var before = Volatile.Read(ref acknowledged);
            await Eventually.HoldsAsync(() => Volatile.Read(ref acknowledged) >= before + 100, TimeSpan.FromSeconds(30), () => "the writers stopped");
            await Task.Run(() => journal.CompleteRewrite(Snapshot(journal, "snapshot"))).WaitAsync(TimeSpan.FromSeconds(60));
            rewritten.SetResult();
            await Task.WhenAll(writers);
        }

        var replayed = Replayed();
        Assert.Equal("snapshot", replayed[0]);
        var carried = written.SelectMany(static own => own).Where(static write => write.AfterBegin).Select(static write => write.Key);
        Assert.Equal(carried.Order(StringComparer.Ordinal), replayed.Skip(1).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void CompleteRewrite_ASnapshotNotBesideThisJournal_IsRefusedAndTheJournalGoesOn()
    {
        using var journal = StateJournal.Open(_directory.FullName, static _ => { });
        Put(journal, "kept");
        journal.BeginRewrite();
        var elsewhere = Directory.CreateTempSubdirectory("gw-journal-elsewhere-");
        try
        {
            Assert.Throws<ArgumentException>(() => journal.CompleteRewrite(new StateJournalSnapshot(Path.Combine(elsewhere.FullName, "state.journal"))));
        }
        finally
        {
            elsewhere.Delete(recursive: true);
        }

        journal.BeginRewrite();
        journal.CompleteRewrite(Snapshot(journal, "snapshot"));
    }

    [Fact]
    public void BeginRewrite_WhileOneIsUnderWay_Throws()
    {
        using var journal = StateJournal.Open(_directory.FullName, static _ => { });
        journal.BeginRewrite();

        Assert.Throws<InvalidOperationException>(journal.BeginRewrite);
    }

    private static long Put(StateJournal journal, string key) =>
        journal.Append(StateJournalOperation.PutText, key, null, text: "1");

    private static StateJournalSnapshot Snapshot(StateJournal journal, string key)
    {
        var snapshot = new StateJournalSnapshot(journal.Path);
        snapshot.PutText(key, "1", null);
        return snapshot;
    }

    private List<string> Replayed()
    {
        var keys = new List<string>();
        using var journal = StateJournal.Open(_directory.FullName, record => keys.Add(record.Key));
        return keys;
    }
}
