using System.Text;
using Gateway.Policy.Evidence;
using Gateway.Testing;

namespace Gateway.Audit.Tests.Infrastructure;

/// <summary>A file journal in a temporary folder on a manual clock, for tests of the audit tree its leaves build.</summary>
public abstract class FileJournalTestBase : IDisposable
{
    protected FileJournalTestBase(string folderPrefix)
    {
        Root = Directory.CreateTempSubdirectory(folderPrefix).FullName;
        Sink = TestServices.FileSink(Root);
        Journal = TestServices.Journal(Sink, Time);
    }

    protected ManualTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    protected ReceiptKeyRing Keys { get; } = ReceiptKeyRing.Generate(DateTimeOffset.UnixEpoch);

    protected string Root { get; }

    protected FileAuditStore Sink { get; }

    protected AuditJournal Journal { get; }

    public void Dispose()
    {
        Sink.Dispose();
        Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Appends <paramref name="count"/> allowed records for <paramref name="tenant"/> (a new one when null).</summary>
    protected async Task<AuditPartition> AppendAsync(int count, string? tenant = null)
    {
        tenant ??= TestServices.NewTenant();
        for (var i = 0; i < count; i++)
        {
            await Journal.AppendAsync(new AuditEntry { Tenant = tenant, Agent = "agent-1", Decision = "allow", StatusCode = 200 });
        }

        return new AuditPartition(tenant, TestServices.Replica);
    }

    /// <summary>Every leaf hashed from the journal's lines, before anything is retired: what the whole-list algorithms are given.</summary>
    protected async Task<List<byte[]>> AllLeavesAsync(AuditPartition partition)
    {
        var leaves = new List<byte[]>();
        await foreach (var line in Sink.ReadAsync(partition, 0))
        {
            leaves.Add(MerkleTree.LeafHash(Encoding.UTF8.GetBytes(line)));
        }

        return leaves;
    }
}
