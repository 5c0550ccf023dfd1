using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Gateway.Authorization.AccessTokens;

namespace Gateway.Authorization.Tests.AccessTokens;

/// <summary>A DPoP proof's <c>jwk</c> read as the one P-256 JWK importer reads it: a coordinate not in base64url refuses the proof, it throws nothing.</summary>
public sealed class DpopProofJwkTests
{
    private const string Resource = "https://gateway.example.com/mcp";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Theory]
    [InlineData('+')]
    [InlineData('/')]
    [InlineData('=')]
    [InlineData('!')]
    public void Check_CoordinateWithACharacterOutsideBase64Url_IsRefusedNotThrown(char outside)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var parameters = key.ExportParameters(false);
        var x = outside + Base64Url.EncodeToString(parameters.Q.X)[1..];

        var proof = DpopProof.Check(Proof(key, x, Base64Url.EncodeToString(parameters.Q.Y)), "POST", new Uri(Resource), null, Now, TimeSpan.FromMinutes(5), out var problem);

        Assert.Null(proof);
        Assert.Contains("jwk", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_Thumbprint_IsTheRfc7638ThumbprintOfItsJwk()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var parameters = key.ExportParameters(false);
        var (x, y) = (Base64Url.EncodeToString(parameters.Q.X), Base64Url.EncodeToString(parameters.Q.Y));

        var proof = DpopProof.Check(Proof(key, x, y), "POST", new Uri(Resource), null, Now, TimeSpan.FromMinutes(5), out _)!;

        var expected = Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes($$"""{"crv":"P-256","kty":"EC","x":"{{x}}","y":"{{y}}"}""")));
        Assert.Equal(expected, proof.Thumbprint);
    }

    private static string Proof(ECDsa key, string x, string y)
    {
        var header = $$"""{"typ":"dpop+jwt","alg":"ES256","jwk":{"kty":"EC","crv":"P-256","x":"{{x}}","y":"{{y}}"}""" + "}";
        var payload = $$"""{"jti":"{{Guid.NewGuid():N}}","htm":"POST","htu":"{{Resource}}","iat":{{Now.ToUnixTimeSeconds()}}}""";
        var input = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header)) + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload));
        return input + "." + Base64Url.EncodeToString(key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256));
    }
}
