using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Policy.AuditChain;
using Gateway.Policy.Canonical;

namespace Gateway.Policy.Tests.AuditChain;

/// <summary>
/// A stored line that repeats the member its seal leaves out (<c>hash</c>): the seal is computed without it and the head
/// reads one of them, so a second <c>hash</c> would let a line carry any value beside the genuine one. Such a line is
/// malformed, as any line that repeats a member is. So is a line whose head member escapes a lone UTF-16 surrogate,
/// which parses and throws only once read as a string.
/// </summary>
public sealed class AuditTenantChainsTests
{
    [Fact]
    public void Check_SealedRecord_Follows()
    {
        Assert.Null(AuditTenantChains.ForExport().Check(Sealed()));
    }

    [Fact]
    public void Check_RecordWithTwoHashMembers_IsMalformedRecord()
    {
        var line = Sealed();

        // A forged hash put before the genuine one: the head reads the last, the seal leaves both out.
        var twice = """{"hash":"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",""" + line[1..];
        var broken = AuditTenantChains.ForExport().Check(twice);

        Assert.NotNull(broken);
        Assert.Equal(AuditBreakReasons.MalformedRecord, broken.Value.Reason);
    }

    [Theory]
    [InlineData("tenant")]
    [InlineData("replica")]
    [InlineData("hash")]
    [InlineData("prev_hash")]
    public void Check_HeadMemberEscapingALoneSurrogate_IsMalformedRecordNotThrown(string member)
    {
        // A string escaping a lone UTF-16 surrogate parses, and throws only once read as a string.
        var line = Sealed().Replace($"\"{member}\":\"", $"\"{member}\":\"\\ud800", StringComparison.Ordinal);

        var inExport = AuditTenantChains.ForExport().Check(line);
        var stored = AuditTenantChains.ForStoredChain("acme", "r-1", 0, AuditChainLink.GenesisHash).Check(line);

        Assert.Equal(AuditBreakReasons.MalformedRecord, inExport?.Reason);
        Assert.Equal(AuditBreakReasons.MalformedRecord, stored?.Reason);
    }

    [Theory]
    [InlineData("tenant")]
    [InlineData("digest")]
    public void Check_ExplanationLineEscapingALoneSurrogate_IsMalformedRecordNotThrown(string member)
    {
        var line = AuditExplanationLine.Write("acme", "d1", """{"reason":"r"}""").Replace($"\"{member}\":\"", $"\"{member}\":\"\\udc00", StringComparison.Ordinal);

        Assert.Equal(AuditBreakReasons.MalformedRecord, AuditTenantChains.ForExport().Check(line)?.Reason);
    }

    [Fact]
    public void WriteObjectWithout_OmittedMemberRepeated_IsRefused()
    {
        using var document = JsonDocument.Parse("""{"a":1,"hash":"x","hash":"y"}""");

        Assert.Throws<FormatException>(() => new CanonicalJsonWriter(new ArrayBufferWriter<byte>()).WriteObjectWithout(document.RootElement, "hash"u8));
    }

    // Record 1 of replica r-1 of tenant acme, sealed as the journal seals it.
    private static string Sealed()
    {
        var record = new JsonObject
        {
            ["seq"] = 1,
            ["tenant"] = "acme",
            ["replica"] = "r-1",
            ["agent"] = "agent-1",
            ["decision"] = "allow",
            ["status_code"] = 200,
            ["prev_hash"] = AuditChainLink.GenesisHash,
        };
        using (var document = JsonDocument.Parse(record.ToJsonString()))
        {
            record["hash"] = CanonicalJson.Sha256Hex(document.RootElement, static (writer, r) => writer.WriteObjectWithout(r, "hash"u8));
        }

        return record.ToJsonString();
    }
}
