using System.Text.Json;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Audit;

namespace Gateway.Oversight.Tests;

public sealed class WireFormatTests
{
    [Fact]
    public void ApprovalPollResult_Pending_IsSnakeCaseWithoutWarrant()
    {
        var poll = new ApprovalPollResult
        {
            Id = "apr_x", Status = ApprovalStatus.Pending, Approvers = ["alice"], Approvals = [], ApprovalsRequired = 1,
            ExpiresAt = DateTimeOffset.UnixEpoch,
        };

        var json = JsonSerializer.Serialize(poll, OversightJson.ApprovalPollResult);

        Assert.Contains("\"expires_at\":", json, StringComparison.Ordinal);
        Assert.Contains("\"approvals_required\":1", json, StringComparison.Ordinal);
        Assert.DoesNotContain("warrant", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Canonicalize_MemberOrderAndWhitespace_DoNotChangeTheHash()
    {
        using var a = JsonDocument.Parse("""{"b":1,"a":{"y":[1,2,{"k":"v"}],"x":"é\n"},"hash":"ignored"}""");
        using var b = JsonDocument.Parse("""{ "a" : { "x" : "\u00e9\n", "y" : [1, 2, {"k": "v"}] }, "b" : 1 }""");

        Assert.Equal("""{"a":{"x":"é\n","y":[1,2,{"k":"v"}]},"b":1}""", AuditCanonicalJson.Canonicalize(a.RootElement, AuditCanonicalJson.HashMember));
        Assert.Equal(AuditCanonicalJson.ComputeHash(a.RootElement), AuditCanonicalJson.ComputeHash(b.RootElement));
    }

    [Fact]
    public void Canonicalize_DuplicateMembers_AreRefused()
    {
        using var doc = JsonDocument.Parse("""{"a":1,"a":2}""");

        Assert.Throws<FormatException>(() => AuditCanonicalJson.Canonicalize(doc.RootElement));
    }

    [Fact]
    public void ComputeHash_EscapedLoneSurrogate_IsRefusedAsMalformed()
    {
        using var doc = JsonDocument.Parse("""{"tool":"\udc00","hash":"x"}""");

        Assert.Throws<FormatException>(() => AuditCanonicalJson.ComputeHash(doc.RootElement));
    }
}
