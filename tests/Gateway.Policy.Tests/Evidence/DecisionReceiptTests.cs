using System.Buffers.Text;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Policy.Evidence;

namespace Gateway.Policy.Tests.Evidence;

public sealed class DecisionReceiptTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static DecisionReceipt Claims() => new()
    {
        Tenant = "acme",
        Replica = "gw-0",
        RequestId = "req_1",
        Agent = "agent-1",
        ActorChain = [new ReceiptActor("person", "alice"), new ReceiptActor("agent", "agent-1")],
        Tool = "crm.update",
        Decision = "allow_and_log",
        IntentDigest = new string('a', 64),
        PolicyDigest = new string('b', 64),
        LeafIndex = 6,
        LeafHash = new string('c', 64),
        RecordHash = new string('d', 64),
        IssuedAt = Now.ToUnixTimeSeconds(),
    };

    [Fact]
    public void TryVerify_ReceiptWithTheJwks_ReturnsTheClaims()
    {
        var ring = ReceiptKeyRing.Generate(Now);
        var receipt = Claims().Sign(ring.Active);

        Assert.True(DecisionReceipt.TryVerify(receipt, EvidenceKeySet.Parse(ring.ToJwks()), out var claims, out var error), error);
        Assert.Equal(Claims() with { ActorChain = null }, claims! with { ActorChain = null });
        Assert.Equal(Claims().ActorChain, claims!.ActorChain);
    }

    [Theory]
    [InlineData("tenant", "other")]
    [InlineData("decision", "allow")]
    [InlineData("request_id", "req_2")]
    [InlineData("intent_digest", "00")]
    [InlineData("policy_digest", "00")]
    [InlineData("leaf_index", 7)]
    [InlineData("leaf_hash", "00")]
    [InlineData("agent", "agent-2")]
    public void TryVerify_ClaimAltered_IsNotInTheBatch(string claim, object value)
    {
        var ring = ReceiptKeyRing.Generate(Now);
        var parts = Claims().Sign(ring.Active).Split('~');
        var claims = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!;
        claims[claim] = value is int number ? JsonValue.Create(number) : JsonValue.Create((string)value);
        var altered = parts[0] + "~" + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims.ToJsonString())) + "~" + parts[2];

        Assert.False(DecisionReceipt.TryVerify(altered, EvidenceKeySet.Of(ring), out _, out var error));
        Assert.Equal(EvidenceErrors.NotInBatch, error);
    }

    [Fact]
    public void TryVerify_SignedRootAltered_IsABadSignature()
    {
        var ring = ReceiptKeyRing.Generate(Now);
        var parts = Claims().Sign(ring.Active).Split('~');
        var jws = parts[0].Split('.');
        var statement = JsonNode.Parse(Base64Url.DecodeFromChars(jws[1]))!;
        statement["root"] = new string('0', 64);
        var altered = jws[0] + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(statement.ToJsonString())) + "." + jws[2] + "~" + parts[1] + "~" + parts[2];

        Assert.False(DecisionReceipt.TryVerify(altered, EvidenceKeySet.Of(ring), out _, out var error));
        Assert.Equal(EvidenceErrors.BadSignature, error);
    }

    [Fact]
    public void TryVerify_AfterRotation_OldReceiptStillVerifiesAndNewOneUsesTheNewKid()
    {
        var ring = ReceiptKeyRing.Generate(Now);
        var old = Claims().Sign(ring.Active);
        var rotated = ReceiptKeyRing.Parse(ring.Rotate(Now.AddDays(1)).ToPrivateJson());
        var fresh = Claims().Sign(rotated.Active);
        var jwks = EvidenceKeySet.Parse(rotated.ToJwks());

        Assert.True(DecisionReceipt.TryVerify(old, jwks, out _, out _));
        Assert.True(DecisionReceipt.TryVerify(fresh, jwks, out _, out _));
        Assert.NotEqual(ring.Active.KeyId, rotated.Active.KeyId);
        Assert.Equal([ring.Active.KeyId, rotated.Active.KeyId], rotated.Keys.Select(static k => k.KeyId));
        Assert.True(rotated.Keys[0].Retired);
    }

    [Fact]
    public void TryVerify_SignedByAKeyNotInTheJwks_IsAnUnknownKey()
    {
        var receipt = Claims().Sign(ReceiptKeyRing.Generate(Now).Active);

        Assert.False(DecisionReceipt.TryVerify(receipt, EvidenceKeySet.Of(ReceiptKeyRing.Generate(Now)), out _, out var error));
        Assert.Equal(EvidenceErrors.UnknownKey, error);
    }

    [Fact]
    public void TryVerify_ACheckpointPresentedAsAReceipt_IsTheWrongType()
    {
        var ring = ReceiptKeyRing.Generate(Now);
        var checkpoint = new AuditCheckpoint { Tenant = "acme", Replica = "gw-0", TreeSize = 1, RootHash = new string('e', 64), Time = Now }.Sign(ring.Active);

        Assert.False(DecisionReceipt.TryVerify(checkpoint, EvidenceKeySet.Of(ring), out _, out var error));
        Assert.Equal(EvidenceErrors.WrongType, error);
        Assert.True(AuditCheckpoint.TryVerify(checkpoint, EvidenceKeySet.Of(ring), out var claims, out _));
        Assert.Equal(1, claims!.TreeSize);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("e30.e30.!!")]
    [InlineData("a.b.c~e30")]
    [InlineData("a.b.c~e30~AA~")]
    [InlineData("a.b.c~!!~")]
    [InlineData("a.b.c~e30~AAAA")]
    public void TryVerify_NotAJws_IsMalformed(string receipt)
    {
        Assert.False(DecisionReceipt.TryVerify(receipt, EvidenceKeySet.Of(ReceiptKeyRing.Generate(Now)), out _, out var error));
        Assert.Equal(EvidenceErrors.Malformed, error);
    }

    [Fact]
    public void Parse_JwksKeyUnderAnotherKeysId_IsRefused()
    {
        var jwks = JsonNode.Parse(ReceiptKeyRing.Generate(Now).ToJwks())!;
        jwks["keys"]![0]!["kid"] = ReceiptKeyRing.Generate(Now).Active.KeyId;

        Assert.Throws<FormatException>(() => EvidenceKeySet.Parse(jwks.ToJsonString()));
    }

    [Fact]
    public void ToJwks_Ring_HoldsNoPrivateMember()
    {
        var jwks = ReceiptKeyRing.Generate(Now).Rotate(Now).ToJwks();

        Assert.DoesNotContain("\"d\"", jwks, StringComparison.Ordinal);
        Assert.Equal(2, JsonNode.Parse(jwks)!["keys"]!.AsArray().Count);
    }
}
