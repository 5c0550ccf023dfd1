using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Gateway.Policy.Tokens;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Policy.Tests;

/// <summary>
/// <see cref="DecisionTokenReader"/>: a token the issuer signed reads back with every claim; anything else (another
/// key, a changed byte, a wrong shape, an oversized or non-ASCII token, a signed payload that is not the gateway's)
/// is refused with a stable reason and never throws.
/// </summary>
public sealed class DecisionTokenReaderTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("decision-signing-key-for-tests-0123456789");
    private static readonly string Digest = new('a', 64);
    private static readonly FakeTimeProvider Time = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    [Fact]
    public void Read_AnIssuedToken_ReturnsEveryClaim()
    {
        var token = new DecisionTokenIssuer(Key, Time).Issue("demo", "demo-agent", "crm.read_contact", Digest, DecisionKind.Allow);

        var read = new DecisionTokenReader(Key).Read(token);

        Assert.Null(read.Failure);
        var payload = read.Payload!;
        Assert.Equal(("demo", "demo-agent", "crm.read_contact", Digest, DecisionKind.Allow), (payload.Tenant, payload.Agent, payload.Tool, payload.IntentDigest, payload.Decision));
        Assert.Equal(1_800_000_300, payload.ExpiresAt);
        Assert.Equal(22, payload.TokenId.Length);
        Assert.Equal((0L, 0L, (bool?)null), (payload.TenantGeneration, payload.AgentGeneration, payload.Evaluation));
    }

    [Fact]
    public void Read_SignedWithAnotherKeyOrAChangedByte_IsSignatureInvalid()
    {
        var token = new DecisionTokenIssuer(Key, Time).Issue("demo", "a", "t", Digest, DecisionKind.Allow);
        var reader = new DecisionTokenReader(Key);

        Assert.Equal(DecisionTokenRead.SignatureInvalidReason, new DecisionTokenReader(new byte[32]).Read(token).Failure);
        var dot = token.LastIndexOf('.');
        var changedPayload = token[..5] + (token[5] == 'A' ? 'B' : 'A') + token[6..];
        Assert.Equal(DecisionTokenRead.SignatureInvalidReason, reader.Read(changedPayload).Failure);
        var changedSignature = token[..(dot + 1)] + (token[dot + 1] == 'A' ? 'B' : 'A') + token[(dot + 2)..];
        Assert.Equal(DecisionTokenRead.SignatureInvalidReason, reader.Read(changedSignature).Failure);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("v2.abc.def")]
    [InlineData("v1.onlyonepart")]
    [InlineData("v1.a.b.c")]
    [InlineData("v1.abc.!!!")]
    [InlineData("v1.abc.AAAA")]
    [InlineData("v1.ａｂｃ.def")]
    [InlineData("v1.abc\u0000.def")]
    public void Read_NotTheGatewaysShape_IsMalformed(string? token)
    {
        Assert.Equal(DecisionTokenRead.MalformedReason, new DecisionTokenReader(Key).Read(token).Failure);
    }

    [Fact]
    public void Read_AnIssuedTokenSpelledAnotherWay_IsMalformed()
    {
        var token = new DecisionTokenIssuer(Key, Time).Issue("demo", "demo-agent", "crm.read_contact", Digest, DecisionKind.Allow);
        var dot = token.LastIndexOf('.');
        var last = token[^1];

        // The MAC's last character carries two unused bits: another character with the same six-bit prefix decodes alike.
        var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var sameBits = alphabet[(alphabet.IndexOf(last, StringComparison.Ordinal) & ~3) | ((alphabet.IndexOf(last, StringComparison.Ordinal) + 1) & 3)];
        var reader = new DecisionTokenReader(Key);

        Assert.Null(reader.Read(token).Failure);
        Assert.Equal(DecisionTokenRead.MalformedReason, reader.Read(token[..^1] + sameBits).Failure);
        Assert.Equal(DecisionTokenRead.MalformedReason, reader.Read(token[..(dot + 1)] + " " + token[(dot + 1)..]).Failure);
        Assert.Equal(DecisionTokenRead.MalformedReason, reader.Read(token[..(dot - 1)] + "\n" + token[(dot - 1)..]).Failure);
    }

    [Fact]
    public void Read_AnOversizedToken_IsMalformedWithoutComputingAnything()
    {
        var huge = "v1." + new string('A', DecisionTokenReader.MaxTokenLength) + ".AAAA";

        Assert.Equal(DecisionTokenRead.MalformedReason, new DecisionTokenReader(Key).Read(huge).Failure);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"tid":"demo"}""")]
    [InlineData("""{"tid":"demo","aid":"a","tool":"t","act":"d","dec":"maybe","iat":1,"exp":2,"jti":"j"}""")]
    public void Read_SignedButNotAPayloadTheGatewayWrites_IsMalformed(string payloadJson)
    {
        Assert.Equal(DecisionTokenRead.MalformedReason, new DecisionTokenReader(Key).Read(Sign(payloadJson)).Failure);
    }

    [Fact]
    public void Read_SignedPayloadWithAClaimItDoesNotKnow_IsRead()
    {
        var read = new DecisionTokenReader(Key).Read(Sign("""{"tid":"demo","aid":"a","tool":"t","act":"d","dec":"allow","iat":1,"exp":2,"jti":"j","later":{"x":1}}"""));

        Assert.Null(read.Failure);
        Assert.Equal("j", read.Payload!.TokenId);
    }

    [Fact]
    public void Constructor_ShortKey_Throws()
    {
        Assert.Throws<ArgumentException>(() => new DecisionTokenReader(new byte[31]));
    }

    private static string Sign(string payloadJson)
    {
        var signingInput = "v1." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payloadJson));
        return signingInput + "." + Base64Url.EncodeToString(HMACSHA256.HashData(Key, Encoding.ASCII.GetBytes(signingInput)));
    }
}
