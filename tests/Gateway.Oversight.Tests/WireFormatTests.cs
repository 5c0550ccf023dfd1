using System.Text.Json;
using Gateway.Audit;
using Gateway.Oversight.Approvals;

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
    public void ApprovalRequest_StoredForm_LeavesOutTheStateAndReadsBackPending()
    {
        using var explanation = JsonDocument.Parse("""{"z":1}""");
        var request = new ApprovalRequest
        {
            Id = "apr_1", Tenant = "t", Agent = "a", Tool = "tool", IntentDigest = "i", PolicyDigest = "p", GateId = "g",
            Status = ApprovalStatus.Approved, Approvers = ["alice", "bob"], ApprovalsRequired = 2, Approvals = ["alice"],
            CreatedAt = DateTimeOffset.UnixEpoch, ExpiresAt = DateTimeOffset.UnixEpoch.AddHours(1),
            DecidedAt = DateTimeOffset.UnixEpoch.AddMinutes(1), DecidedBy = "bob", WarrantTtlSeconds = 60, Explanation = explanation.RootElement,
        };

        var stored = StoredApprovalJson.Write(request);
        var read = StoredApprovalJson.Read(stored)!;

        Assert.Equal("""{"id":"apr_1","tenant":"t","agent":"a","tool":"tool","intent_digest":"i","policy_digest":"p","gate_id":"g","status":"approved","approvers":["alice","bob"],"approvals_required":2,"approvals":["alice"],"created_at":"1970-01-01T00:00:00+00:00","expires_at":"1970-01-01T01:00:00+00:00","decided_at":"1970-01-01T00:01:00+00:00","decided_by":"bob","warrant_ttl_seconds":60,"explanation":{"z":1}}""", JsonSerializer.Serialize(request, OversightJson.ApprovalRequest));
        Assert.Equal("""{"id":"apr_1","tenant":"t","agent":"a","tool":"tool","intent_digest":"i","policy_digest":"p","gate_id":"g","approvers":["alice","bob"],"approvals_required":2,"created_at":"1970-01-01T00:00:00+00:00","expires_at":"1970-01-01T01:00:00+00:00","warrant_ttl_seconds":60,"explanation":{"z":1}}""", stored);
        Assert.Equal(ApprovalStatus.Pending, read.Status);
        Assert.Empty(read.Approvals);
        Assert.Null(read.DecidedAt);
        Assert.Null(read.DecidedBy);
        Assert.Equal(stored, StoredApprovalJson.Write(read));
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
