using System.Text.Json;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Cli;
using Gateway.Store;
using Gateway.Testing;
using Gateway.Testing.Stores;
using Microsoft.Extensions.Logging.Abstractions;
using static Gateway.Audit.Tests.Infrastructure.RetentionSteps;

namespace Gateway.Audit.Tests;

/// <summary>
/// A chain's stored records read with the anchor they follow (<see cref="AuditStoredChain"/>), on the embedded store and the
/// file journal: retired beside the read (by itself, by verify, by export) or damaged.
/// </summary>
public sealed class AuditStoredChainTests : IDisposable
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly string _tenant = TestServices.NewTenant();
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("stored-chain-");
    private readonly InMemoryStateStore _store;
    private readonly List<FileAuditStore> _sinks = [];

    public AuditStoredChainTests()
    {
        _store = InMemoryStateStore.OpenDurable(Path.Combine(_root.FullName, "state"), _time, sealThresholdChars: 1);
    }

    private AuditPartition Partition => new(_tenant, TestServices.Replica);

    public void Dispose()
    {
        _store.Dispose();
        foreach (var sink in _sinks)
        {
            sink.Dispose();
        }

        _root.Delete(recursive: true);
    }

    [Fact]
    public async Task OpenAsync_RetiredBetweenTheAnchorAndTheFirstRecord_ReadsTheNewAnchorAndTheRecordsAfterIt()
    {
        var (sink, cutoff) = await ThreeOldThenTwoNewAsync();
        var racing = new RetiredAfterTheFirstAnchorRead(sink, RetireThrough(sink, cutoff));

        await using var chain = await AuditStoredChain.OpenAsync(racing, Partition, 1, CancellationToken.None);

        Assert.Equal(3, racing.Retired);
        Assert.Equal(3, chain.Anchor.Length);
        Assert.True(chain.Aligned);
        Assert.Equal([4L, 5L], await SeqsAsync(chain));
    }

    [Fact]
    public async Task VerifyAsync_RetiredBetweenTheAnchorAndTheRecordsRead_VerifiesFromTheNewAnchor()
    {
        var (sink, cutoff) = await ThreeOldThenTwoNewAsync();
        var racing = new RetiredAfterTheFirstAnchorRead(sink, RetireThrough(sink, cutoff));

        var verified = await new AuditVerifier(racing, NullLogger.Instance).VerifyAsync(_tenant);

        // Read from the anchor before the retirement, the chain would start at seq 4 where seq 1 was expected.
        Assert.True(verified.Intact, verified.Reason + ": " + verified.Detail);
        Assert.Equal(2, verified.Records);
        Assert.Equal(3, racing.Retired);
        Assert.Equal(3, (await sink.GetAnchorAsync(Partition)).Length);
    }

    [Fact]
    public async Task ExportAsync_RetiredBetweenTheAnchorAndTheRecordsRead_ExportsTheNewAnchorBeforeTheRecordsAfterIt()
    {
        var (sink, cutoff) = await ThreeOldThenTwoNewAsync();
        var racing = new RetiredAfterTheFirstAnchorRead(sink, RetireThrough(sink, cutoff));

        var lines = await TestServices.Journal(racing, _time).ExportAsync(_tenant, DateTimeOffset.MaxValue).ToListAsync();

        // Read with the anchor before the retirement, the export would claim no record before seq 4: a gap offline.
        Assert.Equal(3, racing.Retired);
        Assert.Equal(3, lines.Count);
        Assert.Contains("\"anchor\":true", lines[0], StringComparison.Ordinal);
        Assert.Equal([4L, 5L], lines.Skip(1).Select(static l => JsonDocument.Parse(l).RootElement.GetProperty("seq").GetInt64()));
        var offline = AuditExportVerifier.Verify(new StringReader(string.Join('\n', lines)));
        Assert.True(offline.Intact, offline.Reason);
        Assert.Equal(2, offline.Chains[TestServices.Replica].Records);
    }

    [Fact]
    public async Task ReadAsync_RecordsRetiredFromUnderTheRead_ThrowsChainMovedAtItsEnd()
    {
        var (sink, cutoff) = await ThreeOldThenTwoNewAsync();
        var skipping = new RetiredAfterTheFirstLineRead(sink, RetireThrough(sink, cutoff));
        await using var chain = await AuditStoredChain.OpenAsync(skipping, Partition, 1, CancellationToken.None);
        var seqs = new List<long>();

        var moved = await Assert.ThrowsAsync<AuditChainMovedException>(async () =>
        {
            await foreach (var line in chain.ReadAsync())
            {
                seqs.Add(JsonDocument.Parse(line).RootElement.GetProperty("seq").GetInt64());
            }
        });

        Assert.Equal([1L, 5L], seqs);
        Assert.Contains(_tenant, moved.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_RecordsRetiredFromUnderTheRead_VerifiesFromTheNewAnchor()
    {
        var (sink, cutoff) = await ThreeOldThenTwoNewAsync();
        var skipping = new RetiredAfterTheFirstLineRead(sink, RetireThrough(sink, cutoff));

        var verified = await new AuditVerifier(skipping, NullLogger.Instance).VerifyAsync(_tenant);

        // The first read went 1, 5: a sequence gap, read again from the anchor the retirement left.
        Assert.True(verified.Intact, verified.Reason + ": " + verified.Detail);
        Assert.Equal(2, verified.Records);
        Assert.Equal(2, skipping.Reads);
    }

    [Fact]
    public async Task VerifyAsync_RecordsRetiredPastTheSinksNextPage_VerifiesFromTheNewAnchor()
    {
        var retiring = await RetiredPastTheSinksFirstPageAsync();

        var verified = await new AuditVerifier(retiring, NullLogger.Instance).VerifyAsync(_tenant);

        // The first read's next page was retired: the sink went on from the first kept record, a gap verify reads again for.
        Assert.True(verified.Intact, verified.Reason + ": " + verified.Detail);
        Assert.Equal(2, verified.Records);
        Assert.Equal(2, retiring.Reads);
    }

    [Fact]
    public async Task QueryAsync_RecordsRetiredPastTheSinksNextPage_AnswersWhatWasRead()
    {
        var retiring = await RetiredPastTheSinksFirstPageAsync();

        var page = await TestServices.Journal(retiring, _time).QueryAsync(_tenant, new AuditQuery { Agent = "agent-1", Limit = 500 });

        // The first page as it was read (records 1 to 256), then the records kept: no error for what retention took since.
        var seqs = page.Records.Select(static r => r.GetProperty("seq").GetInt64()).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 256).Select(static i => (long)i).Concat([301L, 302L]), seqs);
    }

    [Fact]
    public async Task ExportAsync_RecordsRetiredFromUnderTheRead_ThrowsRatherThanExportAGap()
    {
        var (sink, cutoff) = await ThreeOldThenTwoNewAsync();
        var skipping = new RetiredAfterTheFirstLineRead(sink, RetireThrough(sink, cutoff));

        await Assert.ThrowsAsync<AuditChainMovedException>(async () => await TestServices.Journal(skipping, _time).ExportAsync(_tenant, DateTimeOffset.MaxValue).ToListAsync());
    }

    [Fact]
    public async Task ExportAsync_StoppedAtItsTimeAfterRecordsRetiredFromUnderTheRead_ThrowsRatherThanExportAGap()
    {
        var (sink, cutoff) = await ThreeOldThenTwoNewAsync(apart: TimeSpan.FromHours(1));
        var before = cutoff + TimeSpan.FromHours(1);
        var skipping = new RetiredAfterTheFirstLineRead(sink, RetireThrough(sink, cutoff));

        // The read went 1, then 5, where the export stops (its time): unchecked there, record 1 alone, 4 left out.
        await Assert.ThrowsAsync<AuditChainMovedException>(async () => await TestServices.Journal(skipping, _time).ExportAsync(_tenant, before).ToListAsync());
    }

    [Fact]
    public async Task ReadReceiptsAsync_RecordsRetiredFromUnderTheRead_ReadsAgainAfterTheRetirement()
    {
        var sink = new RetiringStoreAuditStore(_store, _store);
        var journal = TestServices.Journal(sink, _time);
        await AppendWithReceiptsAsync(journal, 1, 3);
        _time.Advance(TimeSpan.FromDays(40));
        var cutoff = _time.GetUtcNow();
        var kept = await AppendWithReceiptsAsync(journal, 4, 2);
        var skipping = new RetiredAfterTheFirstLineRead(sink, RetireThrough(sink, cutoff));

        var receipts = await TestServices.Journal(skipping, _time).ReadReceiptsAsync(_tenant, TestServices.Replica, 1, 4);

        // The first read went 1, 5: records taken from under it, not a batch that cannot be rebuilt; read again, 4 is kept.
        var receipt = Assert.Single(receipts);
        Assert.Equal(4, receipt.Seq);
        Assert.Equal(kept[0].Receipt, receipt.Receipt);
        Assert.Equal(2, skipping.Reads);
    }

    [Theory]
    [InlineData(1, new long[] { 4, 5 })]
    [InlineData(3, new long[] { 4, 5 })]
    [InlineData(5, new long[] { 5 })]
    [InlineData(6, new long[0])]
    public async Task OpenAsync_FromASeq_StartsAtThatRecordOrTheFirstKept(long fromSeq, long[] seqs)
    {
        var (sink, cutoff) = await ThreeOldThenTwoNewAsync();
        Assert.Equal(3, await Retention(TestServices.Journal(sink, _time)).RetireAsync(_tenant, cutoff, ExportDirectory));

        await using var chain = await AuditStoredChain.OpenAsync(sink, Partition, fromSeq, CancellationToken.None);

        Assert.True(chain.Aligned);
        Assert.Equal(seqs, await SeqsAsync(chain));
    }

    [Fact]
    public async Task OpenAsync_TheFirstRecordCutFromTheFile_IsNotAlignedAndVerifyNamesTheGap()
    {
        var journalDirectory = Path.Combine(_root.FullName, "journal");
        using (var writer = TestServices.FileSink(journalDirectory))
        {
            await AppendAsync(TestServices.Journal(writer, _time), _tenant, 3);
        }

        var file = Path.Combine(journalDirectory, _tenant + FileAuditStore.ReplicaSeparator + TestServices.Replica + FileAuditStore.FileSuffix);
        await File.WriteAllLinesAsync(file, (await File.ReadAllLinesAsync(file)).Skip(1));
        var sink = Sink(journalDirectory);

        await using (var chain = await AuditStoredChain.OpenAsync(sink, Partition, 1, CancellationToken.None))
        {
            Assert.False(chain.Aligned);
            Assert.Equal(AuditTip.Genesis, chain.Anchor);
            Assert.Equal([2L, 3L], await SeqsAsync(chain));
        }

        var verification = await TestServices.Journal(sink, _time).VerifyAsync(_tenant);
        Assert.False(verification.Intact);
        Assert.Equal("sequence_gap", verification.Reason);
    }

    private string ExportDirectory => Path.Combine(_root.FullName, "exports");

    // Three records, 40 days, then two (apart by that much): retention at the returned cut retires the first three.
    private async Task<(RetiringStoreAuditStore Sink, DateTimeOffset Cutoff)> ThreeOldThenTwoNewAsync(TimeSpan apart = default)
    {
        var sink = new RetiringStoreAuditStore(_store, _store);
        var journal = TestServices.Journal(sink, _time);
        await AppendAsync(journal, _tenant, 3);
        _time.Advance(TimeSpan.FromDays(40));
        var cutoff = _time.GetUtcNow();
        await AppendAsync(journal, _tenant, 1);
        _time.Advance(apart);
        await AppendAsync(journal, _tenant, 1);
        return (sink, cutoff);
    }

    // Decisions of requests req-first .. on, each with its receipt, one after the other.
    private async Task<List<AuditAppended>> AppendWithReceiptsAsync(AuditJournal journal, int first, int count)
    {
        var appended = new List<AuditAppended>();
        for (var i = first; i < first + count; i++)
        {
            appended.Add(await journal.AppendWithReceiptAsync(Entry(_tenant) with { RequestId = "req-" + i }));
        }

        return appended;
    }

    // More records than the embedded store's sink reads a page at a time (300, then 2), the 300 retired once the first is read.
    private async Task<RetiredAfterTheFirstLineRead> RetiredPastTheSinksFirstPageAsync()
    {
        var sink = new RetiringStoreAuditStore(_store, _store);
        var journal = TestServices.Journal(sink, _time);
        await AppendAsync(journal, _tenant, 300);
        _time.Advance(TimeSpan.FromDays(40));
        var cutoff = _time.GetUtcNow();
        await AppendAsync(journal, _tenant, 2);
        return new RetiredAfterTheFirstLineRead(sink, RetireThrough(sink, cutoff), readAgain: false);
    }

    // Retention of the tenant's records before the cut, as a retention run beside a read runs it.
    private Func<ValueTask<long>> RetireThrough(RetiringStoreAuditStore sink, DateTimeOffset cutoff) =>
        () => Retention(TestServices.Journal(sink, _time)).RetireAsync(_tenant, cutoff, ExportDirectory);

    private static async Task<List<long>> SeqsAsync(AuditStoredChain chain)
    {
        var seqs = new List<long>();
        await foreach (var line in chain.ReadAsync())
        {
            seqs.Add(JsonDocument.Parse(line).RootElement.GetProperty("seq").GetInt64());
        }

        return seqs;
    }

    private FileAuditStore Sink(string directory)
    {
        var sink = TestServices.FileSink(directory);
        _sinks.Add(sink);
        return sink;
    }

    // A store with a retirement run after the first record is read. Read again (the default), it reads by position among
    // the kept records and so skips those the retirement kept in between (a stand-in for any store whose pages a
    // retirement can move); otherwise the sink's own read goes on, to the pages it has not fetched yet.
    private sealed class RetiredAfterTheFirstLineRead(IAuditStore inner, Func<ValueTask<long>> retire, bool readAgain = true) : DelegatingAuditStore(inner)
    {
        private int _reads;

        /// <summary>How many reads were started.</summary>
        public int Reads => _reads;

        public override async IAsyncEnumerable<string> ReadAsync(AuditPartition partition, long start, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var first = Interlocked.Increment(ref _reads) == 1;
            await using var lines = Inner.ReadAsync(partition, start, cancellationToken).GetAsyncEnumerator(cancellationToken);
            var position = start;
            while (await lines.MoveNextAsync())
            {
                yield return lines.Current;
                position++;
                if (first)
                {
                    first = false;
                    await retire();
                    if (readAgain)
                    {
                        await foreach (var line in Inner.ReadAsync(partition, position, cancellationToken))
                        {
                            yield return line;
                        }

                        yield break;
                    }
                }
            }
        }
    }
}
