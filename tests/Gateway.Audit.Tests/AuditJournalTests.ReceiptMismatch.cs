using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Audit.Tests.Infrastructure;

namespace Gateway.Audit.Tests;

public abstract partial class AuditJournalTests
{
    /// <summary>
    /// Whether the sink writes a group's receipt batches apart from its lines (the file journal), so that a crash between
    /// the two may leave a batch whose seqs now hold other requests' records: only there is such a batch skipped.
    /// </summary>
    protected virtual bool StoresReceiptsApart => false;

    [Fact]
    public async Task ReadReceiptsAsync_RecordRewrittenForAnotherRequestAndResealed_FailsNamingTheBatchUnlessTheSinkWritesBatchesApart()
    {
        await TestServices.Journal(CreateSink(), Time).AppendWithReceiptAsync(Entry(1));

        // The record's request_id rewritten and the record sealed again (its hash recomputed): the chain still verifies.
        var lines = await ReadRawAsync();
        var node = JsonNode.Parse(lines[0])!.AsObject();
        node["request_id"] = "req-other";
        node.Remove("hash");
        using (var document = JsonDocument.Parse(node.ToJsonString()))
        {
            node["hash"] = AuditCanonicalJson.ComputeHash(document.RootElement);
        }

        lines[0] = node.ToJsonString();
        await WriteRawAsync(lines);
        var reader = TestServices.Journal(CreateSink(), Time);
        Assert.True((await reader.VerifyAsync(Tenant)).Intact);

        if (StoresReceiptsApart)
        {
            // The file journal's crash case: a batch kept for lines never appended, whose receipts no one got.
            Assert.Empty(await reader.ReadReceiptsAsync(Tenant, TestServices.Replica, 1, 1));
            return;
        }

        var error = await Assert.ThrowsAsync<AuditReceiptMismatchException>(async () => await reader.ReadReceiptsAsync(Tenant, TestServices.Replica, 1, 1));
        Assert.Contains($"{Tenant}@{TestServices.Replica} starting at record 1", error.Message, StringComparison.Ordinal);
    }
}
