using Gateway.Audit.Evidence;
using Gateway.Audit.Options;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Cli;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Audit.Tests;

/// <summary>
/// Several chains per replica (<see cref="Options.AuditOptions.ChainsPerReplica"/>, #71): a replica's appends spread over its
/// chains, each its own partition that verifies, exports, verifies offline and is checkpointed; a request's decision and
/// outcome share the chain its request id picks; chains written under an earlier count still verify.
/// </summary>
public abstract partial class AuditJournalTests
{
    private static readonly string[] FourChains =
        [TestServices.Replica, TestServices.Replica + ".1", TestServices.Replica + ".2", TestServices.Replica + ".3"];

    [Fact]
    public async Task AppendAsync_FourChainsPerReplica_SpreadsRequestsOverFourChainsThatEachVerify()
    {
        var journal = TestServices.Journal(CreateSink(), Time, chains: 4);

        var records = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => journal.AppendAsync(Entry(i)).AsTask()));

        var verification = await journal.VerifyAsync(Tenant);
        Assert.True(verification.Intact, verification.Reason);
        Assert.Equal(64, verification.Records);
        Assert.Equal(FourChains, verification.Partitions.Select(p => p.Replica).Order(StringComparer.Ordinal));
        Assert.All(verification.Partitions, p => Assert.InRange(p.Records, 1, 61));
        Assert.Equal(FourChains, journal.WrittenChains.Select(p => p.Replica).Order(StringComparer.Ordinal));
        for (var i = 0; i < records.Length; i++)
        {
            Assert.Equal(journal.ChainOf(Tenant, "req-" + i).Replica, records[i].Replica);
        }

        // Each chain numbered from 1 on its own.
        Assert.All(records.GroupBy(r => r.Replica), chain => Assert.Equal(Enumerable.Range(1, chain.Count()).Select(s => (long)s), chain.Select(r => r.Seq).Order()));
    }

    [Fact]
    public void Chains_Unset_TheSinksDefaultOnThisMachine()
    {
        var sink = CreateSink();
        var options = new AuditOptions { ReplicaId = TestServices.Replica, GroupsInFlight = TestServices.GroupsInFlight };

        var journal = new AuditJournal(sink, [], Time, TestServices.Metrics, MsOptions.Create(options), MsOptions.Create(new EvidenceOptions()), TestServices.ReceiptKeys, NullLogger<AuditJournal>.Instance);

        Assert.Equal(AuditOptions.DefaultChainsPerReplica(sink.ChainsAppendSideBySide, Environment.ProcessorCount), journal.Chains);
    }

    [Fact]
    public async Task AppendAsync_DecisionThenOutcomeOfEachRequest_BothInTheChainItsRequestIdPicks()
    {
        var journal = TestServices.Journal(CreateSink(), Time, chains: 8);
        var requests = Enumerable.Range(0, 24).Select(i => "req-" + i).ToList();

        await Task.WhenAll(requests.Select((id, i) => journal.AppendAsync(Entry(i)).AsTask()));
        await Task.WhenAll(requests.Select(id => journal.AppendAsync(Outcome("crm.update", "allow_and_log", id, 200, 201, 3)).AsTask()));

        foreach (var id in requests)
        {
            var page = await journal.QueryAsync(Tenant, new AuditQuery { RequestId = id, Limit = 10 });
            Assert.Equal(2, page.Records.Count);
            Assert.All(page.Records, r => Assert.Equal(journal.ChainOf(Tenant, id).Replica, r.GetProperty("replica").GetString()));
        }

        Assert.True((await journal.QueryAsync(Tenant, new AuditQuery { Limit = 100 })).Records.Select(r => r.GetProperty("replica").GetString()).Distinct().Count() > 1);
        Assert.True((await journal.VerifyAsync(Tenant)).Intact);
    }

    [Fact]
    public async Task AppendAsync_ChainsPerReplicaChangedAcrossRestarts_EveryChainOfEachCountStillVerifies()
    {
        await AppendEachAsync(TestServices.Journal(CreateSink(), Time, chains: 1), 0, 10);
        await AppendEachAsync(TestServices.Journal(CreateSink(), Time, chains: 4), 10, 40);
        await AppendEachAsync(TestServices.Journal(CreateSink(), Time, chains: 2), 50, 20);

        var verification = await TestServices.Journal(CreateSink(), Time, chains: 1).VerifyAsync(Tenant);

        Assert.True(verification.Intact, verification.Reason);
        Assert.Equal(70, verification.Records);
        Assert.Equal(FourChains, verification.Partitions.Select(p => p.Replica).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ExportAsync_FourChains_EveryChainVerifiesOffline()
    {
        var journal = TestServices.Journal(CreateSink(), Time, chains: 4);
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => journal.AppendAsync(Explained(i)).AsTask()));

        var lines = new List<string>();
        await foreach (var line in journal.ExportAsync(Tenant, DateTimeOffset.MaxValue))
        {
            lines.Add(line);
        }

        var offline = AuditExportVerifier.Verify(new StringReader(string.Join('\n', lines)));
        Assert.True(offline.Intact, offline.Reason);
        Assert.Equal(FourChains, offline.Chains.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(40, offline.Chains.Values.Sum(c => c.Records));
    }

    [Fact]
    public async Task PublishAsync_FourChains_SignsACheckpointOfEveryChain()
    {
        var sink = CreateSink();
        var leaves = new AuditLeaves(sink);
        var journal = TestServices.Journal(sink, Time, chains: 4, leaves);
        await Task.WhenAll(Enumerable.Range(0, 32).Select(i => journal.AppendAsync(Entry(i)).AsTask()));
        var publisher = new CheckpointPublisher(journal, new AuditProofs(journal, leaves, TestServices.ReceiptKeys, Time), new NoWitness(),
            MsOptions.Create(new Options.EvidenceOptions()), TestServices.Metrics, Time, NullLogger<CheckpointPublisher>.Instance);

        var published = await publisher.PublishAsync(CancellationToken.None);

        var chains = (await journal.VerifyAsync(Tenant)).Partitions;
        Assert.Equal(
            chains.Select(c => (c.Replica, c.Records)).OrderBy(c => c.Replica, StringComparer.Ordinal),
            published.Select(c => (c.Claims.Replica, c.Claims.TreeSize)).OrderBy(c => c.Replica, StringComparer.Ordinal));
        Assert.Equal(FourChains, published.Select(c => c.Claims.Replica).Order(StringComparer.Ordinal));
    }

    private async Task AppendEachAsync(AuditJournal journal, int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            await journal.AppendAsync(Entry(i));
        }
    }

    // No witness is configured: a push would be a bug.
    private sealed class NoWitness : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => throw new InvalidOperationException("No witness push was expected.");
    }
}
