using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Gateway.Authorization.AccessTokens;
using Gateway.Policy;
using Gateway.Policy.Tokens;

namespace Gateway.Authorization.Tests.AccessTokens;

/// <summary>
/// The access token's format and the JWTs the OAuth path reads (client assertions, DPoP proofs), parsed strictly: no
/// algorithm the caller did not choose, no duplicate members, no <c>crit</c>, no padding or whitespace, no private key
/// in a proof.
/// </summary>
public sealed class AccessTokenFormatTests
{
    private const string Issuer = "https://gateway.example.com";
    private const string Resource = Issuer + "/mcp";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private static readonly AuthenticatedCaller Subject = new("acme", "ws-main", "support-bot");
    private readonly AccessTokenFormat _format = new(AccessTokenSigningKey.DeriveFrom(RandomNumberGenerator.GetBytes(32)));

    [Fact]
    public void Read_IssuedToken_GivesItsSubjectBindingAndSecret()
    {
        var token = _format.Issue(Issuer, Resource, Subject, "thumb", "fp-1", Now, TimeSpan.FromMinutes(5));

        var read = _format.Read(token, Issuer, Resource, Now.AddMinutes(4));

        Assert.Equal(Subject, read.Subject);
        Assert.Equal("thumb", read.Thumbprint);
        Assert.Equal("fp-1", read.SecretFingerprint);
    }

    [Theory]
    [InlineData("alice@corp.example")]
    [InlineData(null)]
    public void Read_IssuedForAPerson_GivesTheirRegisterIdWhenTheTokenCarriesOne(string? registerId)
    {
        var person = new TokenPerson("00u1alice", "https://idp.example", ["staff"], "client-1", "fam-1") { RegisterId = registerId };
        var token = _format.Issue(Issuer, Resource, Subject, "thumb", "fp-1", Now, TimeSpan.FromMinutes(5), person);

        var read = _format.Read(token, Issuer, Resource, Now.AddMinutes(4));

        Assert.Equal(("00u1alice", registerId), (read.Person!.Subject, read.Person.RegisterId));
    }

    [Fact]
    public void Read_OtherAudienceIssuerKeyOrExpired_IsRefused()
    {
        var token = _format.Issue(Issuer, Resource, Subject, null, null, Now, TimeSpan.FromMinutes(5));
        var otherKey = new AccessTokenFormat(AccessTokenSigningKey.DeriveFrom(RandomNumberGenerator.GetBytes(32)));

        Assert.Null(_format.Read(token, Issuer, Issuer + "/other", Now).Subject);
        Assert.Null(_format.Read(token, "https://evil.example", Resource, Now).Subject);
        Assert.Null(otherKey.Read(token, Issuer, Resource, Now).Subject);
        var expired = _format.Read(token, Issuer, Resource, Now.AddMinutes(5));
        Assert.Null(expired.Subject);
        Assert.True(expired.Expired);
    }

    [Fact]
    public void DeriveFrom_SameRootKey_GivesTheSameKeyAndAnotherRootAnother()
    {
        var root = RandomNumberGenerator.GetBytes(32);
        var token = new AccessTokenFormat(AccessTokenSigningKey.DeriveFrom(root)).Issue(Issuer, Resource, Subject, null, null, Now, TimeSpan.FromMinutes(5));

        Assert.NotNull(new AccessTokenFormat(AccessTokenSigningKey.DeriveFrom(root)).Read(token, Issuer, Resource, Now).Subject);

        // The derived key is not the root key: a token MACed with the root itself does not verify.
        var forged = CompactJws.SignHs256(new HmacKey(root), """{"alg":"HS256","typ":"at+jwt"}"""u8, Encoding.UTF8.GetBytes(
            $$"""{"iss":"{{Issuer}}","aud":"{{Resource}}","sub":"support-bot","tenant":"acme","workspace":"ws-main","iat":{{Now.ToUnixTimeSeconds()}},"exp":{{Now.ToUnixTimeSeconds() + 60}}}"""));
        Assert.Null(new AccessTokenFormat(AccessTokenSigningKey.DeriveFrom(root)).Read(forged, Issuer, Resource, Now).Subject);
    }

    [Theory]
    [InlineData("""{"alg":"none","typ":"at+jwt"}""")]
    [InlineData("""{"alg":"HS256","typ":"at+jwt","crit":["exp"]}""")]
    [InlineData("""{"alg":"HS256","alg":"HS256","typ":"at+jwt"}""")]
    [InlineData("""{"alg":"HS256","typ":"JWT"}""")]
    public void Read_HeaderOutsideTheProfile_IsRefused(string header)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var format = new AccessTokenFormat(AccessTokenSigningKey.DeriveFrom(key));
        var valid = format.Issue(Issuer, Resource, Subject, null, null, Now, TimeSpan.FromMinutes(5));
        var parts = valid.Split('.');

        // Same payload and signature under another header: never accepted, whatever the header says.
        var altered = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header)) + "." + parts[1] + "." + parts[2];

        Assert.Null(format.Read(altered, Issuer, Resource, Now).Subject);
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("=")]
    [InlineData("\n")]
    public void TryParse_CharacterOutsideBase64Url_IsRefused(string inserted)
    {
        var token = _format.Issue(Issuer, Resource, Subject, null, null, Now, TimeSpan.FromMinutes(5));

        Assert.False(CompactJws.TryParse(token.Insert(10, inserted), 4096, out _));
        Assert.True(CompactJws.TryParse(token, 4096, out _));
    }

    [Fact]
    public void DpopProof_WithAPrivateKeyInItsJwk_IsRefused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var url = new Uri(Resource);

        var publicOnly = DpopProof.Check(Proof(key, includePrivate: false), "POST", url, null, Now, TimeSpan.FromMinutes(5), out _);
        var withPrivate = DpopProof.Check(Proof(key, includePrivate: true), "POST", url, null, Now, TimeSpan.FromMinutes(5), out var problem);

        Assert.NotNull(publicOnly);
        Assert.Null(withPrivate);
        Assert.Contains("private", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void DpopProof_SameKey_HasTheSameThumbprintAndAnotherKeyAnother()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var url = new Uri(Resource);

        var first = DpopProof.Check(Proof(key, false), "POST", url, null, Now, TimeSpan.FromMinutes(5), out _)!;
        var second = DpopProof.Check(Proof(key, false), "POST", url, null, Now, TimeSpan.FromMinutes(5), out _)!;
        var third = DpopProof.Check(Proof(other, false), "POST", url, null, Now, TimeSpan.FromMinutes(5), out _)!;

        Assert.Equal(first.Thumbprint, second.Thumbprint);
        Assert.NotEqual(first.Jti, second.Jti);
        Assert.NotEqual(first.Thumbprint, third.Thumbprint);
    }

    [Fact]
    public void ClientAssertion_SubjectOtherThanIssuerOrMalformedClientId_IsRefused()
    {
        var audiences = new[] { Issuer };

        Assert.NotNull(ClientAssertion.Read(Assertion("acme/ws-main/support-bot", "acme/ws-main/support-bot"), audiences, Now, TimeSpan.FromMinutes(5), out _));
        Assert.Null(ClientAssertion.Read(Assertion("acme/ws-main/support-bot", "acme/ws-main/other"), audiences, Now, TimeSpan.FromMinutes(5), out _));
        Assert.Null(ClientAssertion.Read(Assertion("support-bot", "support-bot"), audiences, Now, TimeSpan.FromMinutes(5), out _));
        Assert.Null(ClientAssertion.Read(Assertion("acme/ws/main/support-bot", "acme/ws/main/support-bot"), audiences, Now, TimeSpan.FromMinutes(5), out _));
    }

    private static string Assertion(string issuer, string subject)
    {
        var claims = $$"""{"iss":"{{issuer}}","sub":"{{subject}}","aud":"{{Issuer}}","exp":{{Now.ToUnixTimeSeconds() + 60}},"jti":"j1"}""";
        return CompactJws.SignHs256(new HmacKey("secret-0123456789"u8), """{"alg":"HS256","typ":"JWT"}"""u8, Encoding.UTF8.GetBytes(claims));
    }

    private static string Proof(ECDsa key, bool includePrivate)
    {
        var parameters = key.ExportParameters(includePrivate);
        var d = includePrivate ? $$""","d":"{{Base64Url.EncodeToString(parameters.D)}}" """.TrimEnd() : string.Empty;
        var jwk = $$"""{"kty":"EC","crv":"P-256","x":"{{Base64Url.EncodeToString(parameters.Q.X)}}","y":"{{Base64Url.EncodeToString(parameters.Q.Y)}}"{{d}}""" + "}";
        var header = """{"typ":"dpop+jwt","alg":"ES256","jwk":""" + jwk + "}";
        var payload = $$"""{"jti":"{{Guid.NewGuid():N}}","htm":"POST","htu":"{{Resource}}","iat":{{Now.ToUnixTimeSeconds()}}}""";
        var input = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header)) + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload));
        return input + "." + Base64Url.EncodeToString(key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256));
    }
}
