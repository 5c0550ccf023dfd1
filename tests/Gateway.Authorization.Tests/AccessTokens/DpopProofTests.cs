using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gateway.Authorization.AccessTokens;

namespace Gateway.Authorization.Tests.AccessTokens;

/// <summary>A DPoP proof's <c>iat</c> against the gateway's clock: in range before any arithmetic, and within the window to the millisecond.</summary>
public sealed class DpopProofTests
{
    private const string Resource = "https://gateway.example.com/oauth/token";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    [Theory]
    [InlineData(1_800_000_000 - long.MaxValue - 1)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    [InlineData(-1)]
    [InlineData(253_402_300_800)]
    public void Check_IatAtLongMinValueDistanceFromNow_IsRefusedNotThrown(long iat)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var proof = DpopProof.Check(Proof(key, iat), "POST", new Uri(Resource), null, Now, Window, out var problem);

        Assert.Null(proof);
        Assert.Contains("iat", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_IatOlderThanTheWindowByAFractionOfASecond_IsRefused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var iat = Now.ToUnixTimeSeconds();

        Assert.NotNull(DpopProof.Check(Proof(key, iat), "POST", new Uri(Resource), null, Now + Window, Window, out _));
        Assert.Null(DpopProof.Check(Proof(key, iat), "POST", new Uri(Resource), null, Now + Window + TimeSpan.FromMilliseconds(900), Window, out var late));
        Assert.Contains("iat", late, StringComparison.Ordinal);
        Assert.Null(DpopProof.Check(Proof(key, iat), "POST", new Uri(Resource), null, Now - Window - TimeSpan.FromMilliseconds(1), Window, out _));
    }

    private static string Proof(ECDsa key, long iat)
    {
        var parameters = key.ExportParameters(false);
        var (x, y) = (Base64Url.EncodeToString(parameters.Q.X), Base64Url.EncodeToString(parameters.Q.Y));
        var header = $$"""{"typ":"dpop+jwt","alg":"ES256","jwk":{"kty":"EC","crv":"P-256","x":"{{x}}","y":"{{y}}"}""" + "}";
        var payload = $$"""{"jti":"{{Guid.NewGuid():N}}","htm":"POST","htu":"{{Resource}}","iat":{{iat.ToString(CultureInfo.InvariantCulture)}}}""";
        var input = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header)) + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload));
        return input + "." + Base64Url.EncodeToString(key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256));
    }
}
