using System.Text;
using System.Text.Json;
using Gateway.Policy.AuditChain;

namespace Gateway.Audit.Tests;

/// <summary>
/// Journals written before still verify, and the seal still writes the same bytes: Fixtures/audit-chain-vectors.jsonl
/// was sealed by the journal as it was before the audit and the policy shared one canonical writer (explanations
/// inline), Fixtures/audit-chain-vectors-digest.jsonl by the journal since records refer to explanations by digest
/// (as an export gives it: each explanation's line before its first record), and
/// Fixtures/audit-chain-vectors-folded.jsonl by the journal since outcomes of one group share a record (a decision
/// written before forwarding leaves out status_code 0 and invoked false), and
/// Fixtures/audit-chain-vectors-decisions.jsonl since decisions of one group share a record too. The older files still verify.
/// </summary>
public sealed class AuditChainVectorTests
{
    [Fact]
    public void Seal_RecordedInputs_WritesTheRecordedLines()
    {
        Assert.Equal(Recorded("audit-chain-vectors-decisions.jsonl"), AuditVectors.SealExport());
    }

    [Fact]
    public void ComputeHash_RecordedChain_EveryRecordHashesToItsHashAndLinks()
    {
        var previous = AuditCanonicalJson.GenesisHash;
        foreach (var line in Recorded("audit-chain-vectors.jsonl"))
        {
            using var document = JsonDocument.Parse(Encoding.UTF8.GetBytes(line));
            var root = document.RootElement;
            var hash = root.GetProperty(AuditCanonicalJson.HashMember).GetString();

            Assert.Equal(previous, root.GetProperty("prev_hash").GetString());
            Assert.Equal(hash, AuditCanonicalJson.ComputeHash(root));
            Assert.Equal(line, AuditCanonicalJson.Canonicalize(root));
            previous = hash!;
        }
    }

    [Theory]
    [InlineData("audit-chain-vectors.jsonl", 8)]
    [InlineData("audit-chain-vectors-digest.jsonl", 8)]
    [InlineData("audit-chain-vectors-folded.jsonl", 10)]
    [InlineData("audit-chain-vectors-decisions.jsonl", 11)]
    public void Check_RecordedChain_VerifiesOfflineAsAnExport(string file, int records)
    {
        var chains = AuditTenantChains.ForExport();

        Assert.All(Recorded(file), line => Assert.Null(chains.Check(line)));
        Assert.Equal(records, chains.Chains["replica-1"].Records);
    }

    [Fact]
    public void Check_RecordedDigestChainWithAnEditedExplanationLine_IsExplanationAltered()
    {
        var lines = Recorded("audit-chain-vectors-digest.jsonl");
        var at = Array.FindIndex(lines, l => l.Contains("\"kind\":\"explanation\"", StringComparison.Ordinal) && l.Contains("\"approvals_required\":1", StringComparison.Ordinal));
        lines[at] = lines[at].Replace("\"approvals_required\":1", "\"approvals_required\":0", StringComparison.Ordinal);
        var chains = AuditTenantChains.ForExport();

        var broken = lines.Select(chains.Check).First(b => b is not null)!.Value;

        Assert.Equal(AuditBreakReasons.ExplanationAltered, broken.Reason);
        Assert.Contains("seq 7", broken.Detail, StringComparison.Ordinal);
    }

    private static string[] Recorded(string file) =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", file), Encoding.UTF8);
}
