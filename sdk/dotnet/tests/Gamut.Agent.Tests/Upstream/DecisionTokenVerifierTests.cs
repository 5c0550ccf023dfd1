using System.Buffers.Text;
using System.Text;
using Gamut.Agent.Tests.Infrastructure;
using Gamut.Agent.Upstream;
using Gateway.Testing;

namespace Gamut.Agent.Tests.Upstream;

/// <summary>
/// <see cref="DecisionTokenVerifier"/> on tokens made by the protocol's wire format (<see cref="DecisionTokens"/>):
/// every reason it refuses for. Tokens the real gateway issued are verified in <see cref="ForwardedRequestTests"/>.
/// </summary>
public sealed class DecisionTokenVerifierTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("decision-signing-key-for-tests-0123456789");
    private static readonly string Digest = new('a', 64);

    private static ManualTimeProvider Clock() => new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    [Fact]
    public void Verify_FreshToken_ReturnsPayload()
    {
        var time = Clock();
        var token = DecisionTokens.Issue(Key, time, "demo", "demo-agent", "crm.read_contact", Digest, "allow");

        var result = new DecisionTokenVerifier(Key, time).Verify(token, "demo", "crm.read_contact", Digest);

        Assert.True(result.IsValid, result.Reason);
        Assert.Equal("demo-agent", result.Payload!.Agent);
        Assert.Equal(300, result.Payload.ExpiresAt - result.Payload.IssuedAt);
        Assert.StartsWith("v1.", token, StringComparison.Ordinal);
        Assert.Equal(3, token.Split('.').Length);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Verify_WithoutTheActionItIsAbout_Throws(string? tool)
    {
        // An executor that does not say which action it is about to carry out would accept a token for any.
        var time = Clock();
        var token = DecisionTokens.Issue(Key, time, "demo", "a", "echo.read", Digest, "allow");

        Assert.ThrowsAny<ArgumentException>(() => new DecisionTokenVerifier(Key, time).Verify(token, "demo", tool!));
    }

    [Fact]
    public void Verify_ATokenForAnotherAction_IsWrongTool()
    {
        var time = Clock();
        var token = DecisionTokens.Issue(Key, time, "demo", "a", "echo.read", Digest, "allow");

        Assert.Equal(DecisionTokenFailure.WrongTool, new DecisionTokenVerifier(Key, time).Verify(token, "demo", "payments.refund").Failure);
    }

    [Fact]
    public void Verify_DegradeToken_CarriesItsReducedForm()
    {
        var time = Clock();
        var token = DecisionTokens.Issue(Key, time, "demo", "a", "t", Digest, "degrade", "redact");

        var result = new DecisionTokenVerifier(Key, time).Verify(token, "demo", "t");

        Assert.True(result.IsValid, result.Reason);
        Assert.Equal("degrade", result.Payload!.Decision);
        Assert.Equal("redact", result.Payload.DegradeMode);
    }

    [Fact]
    public void Verify_TokenWithRevocationClaims_ParsesThem()
    {
        var token = DecisionTokens.Sign(Key, Encoding.UTF8.GetBytes(
            """{"tid":"demo","aid":"a","tool":"t","act":"d","dec":"allow","iat":1800000000,"exp":1800000300,"jti":"j","tgn":3,"agn":7,"pol":"sha256:p","rid":"req-1","apr":"apr_1","evl":true}"""));

        var result = new DecisionTokenVerifier(Key, Clock()).Verify(token, "demo", "t", "d");

        Assert.True(result.IsValid, result.Reason);
        var payload = result.Payload!;
        Assert.Equal((3L, 7L, "sha256:p", "req-1", "apr_1", true), (payload.TenantGeneration, payload.AgentGeneration, payload.PolicyDigest, payload.RequestId, payload.ApprovalId, payload.IsEvaluation));
    }

    [Fact]
    public void Verify_TokenWithoutRevocationClaims_StillVerifies()
    {
        var token = DecisionTokens.Sign(Key, Encoding.UTF8.GetBytes(
            """{"tid":"demo","aid":"a","tool":"t","act":"d","dec":"allow","iat":1800000000,"exp":1800000300,"jti":"j"}"""));

        var result = new DecisionTokenVerifier(Key, Clock()).Verify(token, "demo", "t", "d");

        Assert.True(result.IsValid, result.Reason);
        var payload = result.Payload!;
        Assert.Equal(((long?)null, (long?)null, (string?)null, (string?)null, (string?)null, false), (payload.TenantGeneration, payload.AgentGeneration, payload.PolicyDigest, payload.RequestId, payload.ApprovalId, payload.IsEvaluation));
    }

    [Theory]
    [InlineData("""{"tid":"demo","aid":"a","tool":"t","act":"d","dec":"allow","iat":1800000000,"exp":1800000300,"jti":"j","tgn":-1}""")]
    [InlineData("""{"tid":"demo","aid":"a","tool":"t","act":"d","dec":"allow","iat":1800000000,"exp":1800000300,"jti":"j","agn":"1"}""")]
    [InlineData("""{"tid":"demo","aid":"a","tool":"t","act":"d","dec":"allow","iat":1800000000,"exp":1800000300,"jti":"j","evl":"yes"}""")]
    public void Verify_RevocationClaimOfTheWrongKind_IsMalformed(string payloadJson)
    {
        var token = DecisionTokens.Sign(Key, Encoding.UTF8.GetBytes(payloadJson));

        Assert.Equal("malformed", new DecisionTokenVerifier(Key, Clock()).Verify(token, "demo", "t").Reason);
    }

    [Fact]
    public void Verify_TamperedPayload_IsBadSignature()
    {
        var time = Clock();
        var token = DecisionTokens.Issue(Key, time, "demo", "a", "t", Digest, "allow");
        var parts = token.Split('.');
        var forged = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
            Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1])).Replace("\"demo\"", "\"evil\"", StringComparison.Ordinal)));

        var result = new DecisionTokenVerifier(Key, time).Verify($"v1.{forged}.{parts[2]}", "evil", "t");

        Assert.Equal(DecisionTokenFailure.BadSignature, result.Failure);
        Assert.Equal("bad_signature", result.Reason);
    }

    [Fact]
    public void Verify_OtherKey_IsBadSignature()
    {
        var time = Clock();
        var token = DecisionTokens.Issue(Key, time, "demo", "a", "t", Digest, "allow");

        var result = new DecisionTokenVerifier(Encoding.UTF8.GetBytes("another-key-another-key-another-key-123"), time).Verify(token, "demo", "t");

        Assert.Equal(DecisionTokenFailure.BadSignature, result.Failure);
    }

    [Fact]
    public void Verify_AfterExpiryPlusSkew_IsExpired()
    {
        var time = Clock();
        var token = DecisionTokens.Issue(Key, time, "demo", "a", "t", Digest, "allow");
        var verifier = new DecisionTokenVerifier(Key, time, TimeSpan.FromSeconds(5));

        time.Advance(TimeSpan.FromSeconds(304));
        Assert.True(verifier.Verify(token, "demo", "t").IsValid);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("expired", verifier.Verify(token, "demo", "t").Reason);
    }

    [Fact]
    public void Verify_IssuedAfterNowPlusSkew_IsNotYetValid()
    {
        var time = Clock();
        var token = DecisionTokens.Issue(Key, time, "demo", "a", "t", Digest, "allow");
        time.Advance(TimeSpan.FromSeconds(-6));

        Assert.Equal("not_yet_valid", new DecisionTokenVerifier(Key, time, TimeSpan.FromSeconds(5)).Verify(token, "demo", "t").Reason);
    }

    [Fact]
    public void Verify_WrongTenantToolOrIntent_Fails()
    {
        var time = Clock();
        var token = DecisionTokens.Issue(Key, time, "demo", "a", "t", Digest, "allow_and_log");
        var verifier = new DecisionTokenVerifier(Key, time);

        Assert.Equal(DecisionTokenFailure.WrongTenant, verifier.Verify(token, "other", "t").Failure);
        Assert.Equal(DecisionTokenFailure.WrongTool, verifier.Verify(token, "demo", "t2").Failure);
        Assert.Equal(DecisionTokenFailure.WrongIntent, verifier.Verify(token, "demo", "t", new string('b', 64)).Failure);
    }

    [Theory]
    [InlineData("""{"tid":"demo","aid":"a","tool":"t","act":"d","dec":"block","iat":1800000000,"exp":1800000300,"jti":"j"}""", "decision_not_allowed")]
    [InlineData("""{"tid":"demo","aid":"a","tool":"t","act":"d","dec":"allow","iat":1800000000,"exp":1800000301,"jti":"j"}""", "lifetime_too_long")]
    [InlineData("""{"tid":"demo","aid":"a","tool":"t","act":"d","dec":"allow","iat":1800000000,"exp":1799999999,"jti":"j"}""", "lifetime_too_long")]
    [InlineData("""{"tid":"demo","aid":"a","tool":"t","act":"d","dec":"maybe","iat":1800000000,"exp":1800000300,"jti":"j"}""", "malformed")]
    [InlineData("""{"tid":"demo","aid":"a","tool":"t","act":"d","dec":"degrade","deg":"shrink","iat":1800000000,"exp":1800000300,"jti":"j"}""", "malformed")]
    [InlineData("""{"tid":"demo","aid":"a","tool":"t","act":"d","dec":"allow","iat":1800000000,"exp":1800000300}""", "malformed")]
    [InlineData("null", "malformed")]
    public void Verify_SignedButUnacceptablePayload_ReturnsStableReason(string payloadJson, string reason)
    {
        var token = DecisionTokens.Sign(Key, Encoding.UTF8.GetBytes(payloadJson));

        Assert.Equal(reason, new DecisionTokenVerifier(Key, Clock()).Verify(token, "demo", "t").Reason);
    }

    [Fact]
    public void Verify_SignedPayloadWithAClaimItDoesNotKnow_IsAccepted()
    {
        // A newer gateway adds claims (agent-protocol extensions); the signature covers them, and an older verifier skips them.
        var token = DecisionTokens.Sign(Key, Encoding.UTF8.GetBytes("""{"tid":"demo","aid":"a","tool":"t","act":"d","dec":"allow","iat":1800000000,"exp":1800000300,"jti":"j","future_claim":{"x":1}}"""));

        var verified = new DecisionTokenVerifier(Key, Clock()).Verify(token, "demo", "t");

        Assert.Equal(DecisionTokenFailure.None, verified.Failure);
        Assert.Equal("j", verified.Payload!.TokenId);
    }

    [Theory]
    [InlineData(null, "missing")]
    [InlineData("", "missing")]
    [InlineData("garbage", "malformed")]
    [InlineData("v1.onlyonepart", "malformed")]
    [InlineData("v1.abc.!!!", "malformed")]
    [InlineData("v2.abc.def", "unsupported_version")]
    public void Verify_MalformedInput_ReturnsStableReason(string? token, string reason)
    {
        Assert.Equal(reason, new DecisionTokenVerifier(Key, TimeProvider.System).Verify(token, "demo", "t").Reason);
    }

    [Fact]
    public void Constructor_ShortKeyOrSkewOverLimit_Throws()
    {
        Assert.Throws<ArgumentException>(() => new DecisionTokenVerifier(new byte[31], TimeProvider.System));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecisionTokenVerifier(Key, TimeProvider.System, TimeSpan.FromSeconds(61)));
    }
}
