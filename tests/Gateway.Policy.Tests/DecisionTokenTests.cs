using System.Text;
using Gateway.Policy.Tokens;

namespace Gateway.Policy.Tests;

public sealed class DecisionTokenTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("decision-signing-key-for-tests-0123456789");
    private static readonly string Digest = new('a', 64);

    [Fact]
    public void Verify_FreshToken_ReturnsPayload()
    {
        var time = new ManualTime(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var token = new DecisionTokenIssuer(Key, time).Issue("demo", "demo-agent", "crm.read_contact", Digest, DecisionKind.Allow);

        var result = new DecisionTokenVerifier(Key, time).Verify(token, "demo", "crm.read_contact", Digest);

        Assert.True(result.IsValid, result.Reason);
        Assert.Equal("demo-agent", result.Payload!.Agent);
        Assert.Equal(300, result.Payload.ExpiresAt - result.Payload.IssuedAt);
        Assert.StartsWith("v1.", token, StringComparison.Ordinal);
        Assert.Equal(3, token.Split('.').Length);
    }

    [Fact]
    public void Issue_Degrade_MarksDegradedMode()
    {
        var time = new ManualTime(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var token = new DecisionTokenIssuer(Key, time).Issue("demo", "a", "t", Digest, DecisionKind.Degrade, DegradeMode.Redact);

        var payloadJson = Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[1]));

        Assert.Contains("\"deg\":\"redact\"", payloadJson, StringComparison.Ordinal);
        Assert.Contains("\"dec\":\"degrade\"", payloadJson, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DecisionKind.RequireApproval)]
    [InlineData(DecisionKind.Block)]
    [InlineData(DecisionKind.BlockAndOpenIncident)]
    public void Issue_NonAllowDecision_Throws(DecisionKind kind)
    {
        var issuer = new DecisionTokenIssuer(Key, TimeProvider.System);

        Assert.Throws<InvalidOperationException>(() => issuer.Issue("demo", "a", "t", Digest, kind));
    }

    [Fact]
    public void Verify_TamperedPayload_IsBadSignature()
    {
        var time = new ManualTime(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var token = new DecisionTokenIssuer(Key, time).Issue("demo", "a", "t", Digest, DecisionKind.Allow);
        var parts = token.Split('.');
        var forged = System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
            Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1])).Replace("\"demo\"", "\"evil\"", StringComparison.Ordinal)));

        var result = new DecisionTokenVerifier(Key, time).Verify($"v1.{forged}.{parts[2]}", "evil");

        Assert.Equal(DecisionTokenFailure.BadSignature, result.Failure);
        Assert.Equal("bad_signature", result.Reason);
    }

    [Fact]
    public void Verify_OtherKey_IsBadSignature()
    {
        var time = new ManualTime(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var token = new DecisionTokenIssuer(Key, time).Issue("demo", "a", "t", Digest, DecisionKind.Allow);

        var result = new DecisionTokenVerifier(Encoding.UTF8.GetBytes("another-key-another-key-another-key-123"), time).Verify(token, "demo");

        Assert.Equal(DecisionTokenFailure.BadSignature, result.Failure);
    }

    [Fact]
    public void Verify_AfterExpiryPlusSkew_IsExpired()
    {
        var time = new ManualTime(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var token = new DecisionTokenIssuer(Key, time).Issue("demo", "a", "t", Digest, DecisionKind.Allow);
        var verifier = new DecisionTokenVerifier(Key, time, TimeSpan.FromSeconds(5));

        time.Now = time.Now.AddSeconds(304);
        Assert.True(verifier.Verify(token, "demo").IsValid);
        time.Now = time.Now.AddSeconds(2);
        Assert.Equal("expired", verifier.Verify(token, "demo").Reason);
    }

    [Fact]
    public void Verify_WrongTenantToolOrIntent_Fails()
    {
        var time = new ManualTime(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var token = new DecisionTokenIssuer(Key, time).Issue("demo", "a", "t", Digest, DecisionKind.AllowAndLog);
        var verifier = new DecisionTokenVerifier(Key, time);

        Assert.Equal(DecisionTokenFailure.WrongTenant, verifier.Verify(token, "other").Failure);
        Assert.Equal(DecisionTokenFailure.WrongTool, verifier.Verify(token, "demo", "t2").Failure);
        Assert.Equal(DecisionTokenFailure.WrongIntent, verifier.Verify(token, "demo", "t", new string('b', 64)).Failure);
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
        Assert.Equal(reason, new DecisionTokenVerifier(Key, TimeProvider.System).Verify(token, "demo").Reason);
    }

    [Fact]
    public void Constructor_LifetimeOverLimit_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecisionTokenIssuer(Key, TimeProvider.System, TimeSpan.FromSeconds(301)));
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
