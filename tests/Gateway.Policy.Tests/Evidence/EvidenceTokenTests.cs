using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Gateway.Policy.Evidence;

namespace Gateway.Policy.Tests.Evidence;

/// <summary>
/// Evidence read through the gateway's one JWS reader keeps its own reasons: a correctly signed token with a
/// <c>crit</c> header is <c>unsupported_algorithm</c> (as the SDKs' verifiers say), a header with a duplicate member
/// is malformed, and the same token without either verifies.
/// </summary>
public sealed class EvidenceTokenTests
{
    private const string Type = "gamut-checkpoint+jws";
    private static readonly ReceiptKeyRing Ring = ReceiptKeyRing.Generate(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TryVerify_SignedWithTheRingsKey_GivesThePayload()
    {
        var token = Signed($$"""{"alg":"ES256","kid":"{{Ring.Active.KeyId}}","typ":"{{Type}}"}""");
        Assert.True(EvidenceToken.TryVerify(token, Type, EvidenceKeySet.Of(Ring), out var payload, out var error), error);
        Assert.Equal("acme", payload.GetProperty("tenant").GetString());
    }

    [Fact]
    public void TryVerify_CriticalHeader_IsUnsupportedAlgorithm()
    {
        var token = Signed($$"""{"alg":"ES256","kid":"{{Ring.Active.KeyId}}","typ":"{{Type}}","crit":["b64"]}""");
        Assert.False(EvidenceToken.TryVerify(token, Type, EvidenceKeySet.Of(Ring), out _, out var error));
        Assert.Equal(EvidenceErrors.UnsupportedAlgorithm, error);
    }

    [Fact]
    public void TryVerify_DuplicateHeaderMember_IsMalformed()
    {
        var token = Signed($$"""{"alg":"ES256","kid":"{{Ring.Active.KeyId}}","typ":"{{Type}}","typ":"{{Type}}"}""");
        Assert.False(EvidenceToken.TryVerify(token, Type, EvidenceKeySet.Of(Ring), out _, out var error));
        Assert.Equal(EvidenceErrors.Malformed, error);
    }

    private static string Signed(string header)
    {
        var signingInput = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header)) + "." + Base64Url.EncodeToString("""{"tenant":"acme","v":1}"""u8);
        var signature = Ring.Active.Key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }
}
