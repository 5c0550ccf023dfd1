using System.Text;
using System.Text.Json;
using Gateway.Oversight.Audit;

namespace Gateway.Oversight.Tests;

/// <summary>
/// Journals written before still verify, and the seal still writes the same bytes: Fixtures/audit-chain-vectors.jsonl
/// was sealed by the journal as it was before the audit and the policy shared one canonical writer.
/// </summary>
public sealed class AuditChainVectorTests
{
    [Fact]
    public void Seal_RecordedInputs_WritesTheRecordedLines()
    {
        Assert.Equal(Recorded(), AuditVectors.SealChain());
    }

    [Fact]
    public void ComputeHash_RecordedChain_EveryRecordHashesToItsHashAndLinks()
    {
        var previous = AuditCanonicalJson.GenesisHash;
        foreach (var line in Recorded())
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

    private static string[] Recorded() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "audit-chain-vectors.jsonl"), Encoding.UTF8);
}
