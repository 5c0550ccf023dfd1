using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Options;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Policy.Tokens;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>
/// Warrants in the gateway's one HMAC token format (<see cref="MacToken"/>, version <c>w1</c>) keep their wire format:
/// a warrant built by hand as the format says (key HKDF-derived from the data-encryption key, MAC over <c>"w1." + claims
/// part</c>) verifies, and one issued now is exactly that; one built from the decision signing key, which executors and
/// webhook receivers hold, never does.
/// </summary>
public sealed class WarrantSignerTests
{
    private const string ClaimsJson = """{"tid":"acme","aid":"support-bot","tool":"crm.update","act":"sha256:abc","apr":"apr_0123456789abcdef","pol":"sha256:pol","tgn":0,"agn":3,"iat":1700000000,"exp":1700000600}""";

    private readonly WarrantSigner _signer = new(TestKeys.Keys);

    [Fact]
    public void TryVerify_WarrantBuiltByTheFormat_GivesItsClaims()
    {
        Assert.True(_signer.TryVerify(HandBuilt(ClaimsJson), out var claims, out var reason), reason);
        Assert.Equal(("acme", "support-bot", "apr_0123456789abcdef", 1700000600L), (claims!.Tid, claims.Aid, claims.Apr, claims.Exp));
    }

    [Fact]
    public void TryVerify_WarrantWithoutTokenGenerations_IsRefusedAsMalformed()
    {
        // A warrant issued before warrants carried the token generations: genuine, but it cannot say what it was issued
        // under, so it is refused (fail closed; it lived minutes at most, and a new poll issues one that carries them).
        var before = HandBuilt(ClaimsJson.Replace("\"tgn\":0,\"agn\":3,", string.Empty, StringComparison.Ordinal));

        Assert.False(_signer.TryVerify(before, out var claims, out var reason));
        Assert.Null(claims);
        Assert.Equal(WarrantReasons.Malformed, reason);
    }

    [Fact]
    public void Issue_Claims_IsTheHandBuiltWarrant()
    {
        var claims = JsonSerializer.Deserialize<WarrantClaims>(ClaimsJson, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower })!;
        var issued = _signer.Issue(claims);
        Assert.StartsWith("w1.", issued, StringComparison.Ordinal);
        var claimsPart = issued.Split('.')[1];
        Assert.Equal(HandBuilt(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(claimsPart))), issued);
        Assert.Equal("acme", JsonDocument.Parse(Base64Url.DecodeFromChars(claimsPart)).RootElement.GetProperty("tid").GetString());
    }

    [Fact]
    public void TryVerify_AlteredOrForeignOrDecisionToken_IsRefusedWithItsReason()
    {
        var genuine = HandBuilt(ClaimsJson);
        var altered = genuine[..^2] + (genuine[^2] == 'A' ? "B" : "A") + genuine[^1];
        Assert.False(_signer.TryVerify(altered, out _, out var reason));
        Assert.Equal(WarrantReasons.BadSignature, reason);

        // A decision token under the same root key is another version of the format, never a warrant.
        var decisionToken = MacToken.Sign(new HmacKey(TestKeys.DecisionKey), "v1."u8, Encoding.UTF8.GetBytes(ClaimsJson));
        Assert.False(_signer.TryVerify(decisionToken, out _, out reason));
        Assert.Equal(WarrantReasons.Malformed, reason);

        // The w1 prefix with a root key itself (not the derived one) is not a warrant either.
        Assert.False(_signer.TryVerify(MacToken.Sign(new HmacKey(TestKeys.DecisionKey), "w1."u8, Encoding.UTF8.GetBytes(ClaimsJson)), out _, out reason));
        Assert.Equal(WarrantReasons.BadSignature, reason);
        Assert.False(_signer.TryVerify(MacToken.Sign(new HmacKey(TestKeys.DataKey), "w1."u8, Encoding.UTF8.GetBytes(ClaimsJson)), out _, out reason));
        Assert.Equal(WarrantReasons.BadSignature, reason);

        Assert.False(_signer.TryVerify(genuine + ".x", out _, out reason));
        Assert.Equal(WarrantReasons.Malformed, reason);
    }

    [Theory]
    [InlineData("gamut-warrant-v1")]
    [InlineData("gamut gateway approval warrant v2")]
    public void TryVerify_WarrantHandBuiltFromTheDecisionSigningKey_IsRefusedAsBadSignature(string label)
    {
        // What anyone holding the decision signing key (an executor, a webhook receiver) could build: never a warrant.
        var forged = HandBuilt(ClaimsJson, TestKeys.DecisionKey, label);

        Assert.False(_signer.TryVerify(forged, out var claims, out var reason));
        Assert.Null(claims);
        Assert.Equal(WarrantReasons.BadSignature, reason);
    }

    [Fact]
    public void Constructor_GatewayRootKeyThatOthersHold_Throws()
    {
        Assert.Throws<ArgumentException>(() => new WarrantSigner(new OversightKeys(TestKeys.DecisionKey, TestKeys.ServiceKey, TestKeys.DecisionKey)));
        Assert.Throws<ArgumentException>(() => new WarrantSigner(new OversightKeys(TestKeys.DecisionKey, TestKeys.ServiceKey, TestKeys.ServiceKey)));
        Assert.Throws<ArgumentException>(() => new WarrantSigner(new OversightKeys(TestKeys.DecisionKey, TestKeys.ServiceKey, new byte[16])));
    }

    private static string HandBuilt(string claimsJson) => HandBuilt(claimsJson, TestKeys.DataKey, "gamut gateway approval warrant v2");

    private static string HandBuilt(string claimsJson, byte[] rootKey, string label)
    {
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, rootKey, 32, salt: [], info: Encoding.ASCII.GetBytes(label));
        var signed = "w1." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claimsJson));
        return signed + "." + Base64Url.EncodeToString(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(signed)));
    }
}
