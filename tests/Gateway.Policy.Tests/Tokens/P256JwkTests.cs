using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Policy.Tokens;

namespace Gateway.Policy.Tests.Tokens;

/// <summary>
/// The one P-256 JWK importer and the one RFC 7638 thumbprint: the thumbprint checked against RFC 7638 §3.1's example,
/// the importer strict (each member the unpadded base64url of exactly 32 bytes, as RFC 7518 §6.2.1.2 has it).
/// </summary>
public sealed class P256JwkTests
{
    private const string Rfc7638N =
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

    [Fact]
    public void Of_Rfc7638Section31Example_IsTheRfcsThumbprintInAnyMemberOrder()
    {
        Assert.Equal("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", JwkThumbprint.Of(("e", "AQAB"), ("kty", "RSA"), ("n", Rfc7638N)));
        Assert.Equal("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", JwkThumbprint.Of(("n", Rfc7638N), ("kty", "RSA"), ("e", "AQAB")));
    }

    [Fact]
    public void Thumbprint_P256Key_IsTheHashOfCrvKtyXYInOrder()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (x, y, _) = Members(key);

        var expected = Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes($$"""{"crv":"P-256","kty":"EC","x":"{{x}}","y":"{{y}}"}""")));

        Assert.Equal(expected, P256Jwk.Thumbprint(x, y));
    }

    [Fact]
    public void Import_ItsOwnMembers_SignsAndVerifiesAsTheKey()
    {
        using var original = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (x, y, d) = Members(original);

        using var publicKey = P256Jwk.Import(x, y);
        using var privateKey = P256Jwk.Import(x, y, d);
        var signature = privateKey.SignData("data"u8.ToArray(), HashAlgorithmName.SHA256);

        Assert.True(publicKey.VerifyData("data"u8.ToArray(), signature, HashAlgorithmName.SHA256));
        Assert.True(original.VerifyData("data"u8.ToArray(), signature, HashAlgorithmName.SHA256));
    }

    [Theory]
    [InlineData("padded")]
    [InlineData("standard-alphabet")]
    [InlineData("whitespace")]
    [InlineData("31-bytes")]
    [InlineData("33-bytes")]
    [InlineData("empty")]
    public void Import_CoordinateNotTheUnpaddedBase64UrlOf32Bytes_IsRefused(string spelling)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (x, y, _) = Members(key);
        var q = key.ExportParameters(false).Q.X!;
        var spelt = spelling switch
        {
            "padded" => x + "=",
            "standard-alphabet" => "+" + x[1..],
            "whitespace" => x[..20] + " " + x[20..],
            "31-bytes" => Base64Url.EncodeToString(q[1..]),
            "33-bytes" => Base64Url.EncodeToString([0, .. q]),
            _ => string.Empty,
        };

        Assert.Throws<FormatException>(() => P256Jwk.Import(spelt, y));
    }

    [Fact]
    public void Import_PointNotOnTheCurve_IsFormatException()
    {
        var one = Base64Url.EncodeToString(Enumerable.Repeat((byte)1, 32).ToArray());

        Assert.Throws<FormatException>(() => P256Jwk.Import(one, one));
    }

    [Theory]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"a","y":"b"}""", true)]
    [InlineData("""{"kty":"EC","crv":"P-384","x":"a","y":"b"}""", false)]
    [InlineData("""{"kty":"RSA","crv":"P-256","x":"a","y":"b"}""", false)]
    [InlineData("""{"kty":"EC","crv":"P-256","x":1,"y":"b"}""", false)]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"a"}""", false)]
    [InlineData("""["kty","EC"]""", false)]
    public void TryRead_Jwk_IsAP256KeyOnlyWithKtyCrvXAndY(string jwk, bool read)
    {
        using var document = JsonDocument.Parse(jwk);

        Assert.Equal(read, P256Jwk.TryRead(document.RootElement, out var x, out var y));
        Assert.Equal(read ? ("a", "b") : (string.Empty, string.Empty), (x, y));
    }

    private static (string X, string Y, string D) Members(ECDsa key)
    {
        var parameters = key.ExportParameters(includePrivateParameters: true);
        return (Base64Url.EncodeToString(parameters.Q.X), Base64Url.EncodeToString(parameters.Q.Y), Base64Url.EncodeToString(parameters.D));
    }
}
