using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Gateway.Authorization.Interactive;

namespace Gateway.Authorization.Tests.Interactive;

/// <summary>PKCE's challenge and verifier are whole strings of their alphabet: a final newline is not "the end" of one.</summary>
public sealed class PkceTests
{
    private const string Verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    [Fact]
    public void IsChallenge_FortyTwoCharactersAndATrailingNewline_IsFalse() =>
        Assert.False(Pkce.IsChallenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c\n"));

    [Fact]
    public void Verifies_VerifierWithATrailingNewlineAndItsOwnChallenge_IsFalse()
    {
        const string verifier = Verifier + "\n";
        var challenge = Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

        Assert.False(Pkce.Verifies(verifier, challenge));
    }

    [Fact]
    public void ChallengeOf_Rfc7636AppendixBVerifier_IsItsChallengeAndVerifies()
    {
        Assert.Equal("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", Pkce.ChallengeOf(Verifier));
        Assert.True(Pkce.Verifies(Verifier, Pkce.ChallengeOf(Verifier)));
    }
}
