using Gateway.Authorization.Interactive;

namespace Gateway.Authorization.Tests.Interactive;

/// <summary>
/// Redirect-URI matching: exact, except a registered loopback http URI on any port (RFC 8252); every other difference
/// (path, query, scheme, host, a non-loopback port, userinfo, spelling) is refused.
/// </summary>
public sealed class RedirectUrisTests
{
    private static readonly string[] Registered = ["http://127.0.0.1/callback", "http://localhost/cb", "http://[::1]/cb", "https://ide.example/cb", "myapp://oauth/cb"];

    [Theory]
    [InlineData("http://127.0.0.1/callback", "http://127.0.0.1/callback")]
    [InlineData("http://127.0.0.1:51234/callback", "http://127.0.0.1/callback")]
    [InlineData("http://localhost:8080/cb", "http://localhost/cb")]
    [InlineData("http://[::1]:9000/cb", "http://[::1]/cb")]
    [InlineData("https://ide.example/cb", "https://ide.example/cb")]
    [InlineData("myapp://oauth/cb", "myapp://oauth/cb")]
    public void Match_SameUriOrLoopbackOnAnotherPort_IsTheRegisteredOne(string presented, string expected) =>
        Assert.Equal(expected, RedirectUris.Match(Registered, presented));

    [Theory]
    [InlineData("http://127.0.0.1:5000/other")]
    [InlineData("http://127.0.0.1:5000/callback?x=1")]
    [InlineData("http://127.0.0.1:5000/callback#f")]
    [InlineData("https://127.0.0.1:5000/callback")]
    [InlineData("http://127.0.0.2:5000/callback")]
    [InlineData("http://127.0.0.1@evil.example/callback")]
    [InlineData("http://evil.example:80@127.0.0.1:5000/callback")]
    [InlineData("HTTP://127.0.0.1:5000/callback")]
    [InlineData("https://ide.example:8443/cb")]
    [InlineData("http://ide.example/cb")]
    [InlineData("https://ide.example/cb/")]
    [InlineData("https://ide.example/CB")]
    [InlineData("myapp://oauth/cb2")]
    [InlineData("")]
    [InlineData(null)]
    public void Match_AnyOtherDifference_IsNull(string? presented) =>
        Assert.Null(RedirectUris.Match(Registered, presented));

    [Fact]
    public void Pkce_S256Verifier_VerifiesOnlyItsChallenge()
    {
        const string verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        const string challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

        Assert.True(Pkce.IsChallenge(challenge));
        Assert.True(Pkce.Verifies(verifier, challenge));
        Assert.False(Pkce.Verifies(verifier + "x", challenge));
        Assert.False(Pkce.Verifies("short", challenge));
        Assert.False(Pkce.Verifies(null, challenge));
        Assert.False(Pkce.IsChallenge(verifier[..42]));
        Assert.False(Pkce.IsChallenge(challenge[..42] + "+"));
    }
}
