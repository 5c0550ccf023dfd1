using System.Buffers.Text;
using Gateway.Admin.Tokens;

namespace Gateway.Admin.Tests.Tokens;

/// <summary>A fresh admin token is <c>gwa_</c> and 256 random bits in unpadded base64url: safe in a header, a URL and a shell.</summary>
public sealed class AdminTokenFormatTests
{
    [Fact]
    public void NewToken_Always_IsThePrefixAnd32RandomBytesInUnpaddedBase64Url()
    {
        var tokens = Enumerable.Range(0, 64).Select(_ => AdminTokenService.NewToken()).ToList();

        Assert.All(tokens, token =>
        {
            Assert.StartsWith(AdminTokenService.TokenPrefix, token, StringComparison.Ordinal);
            var random = token[AdminTokenService.TokenPrefix.Length..];
            Assert.Equal(43, random.Length);
            Assert.DoesNotContain(random, c => !char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_');
            Assert.Equal(32, Base64Url.DecodeFromChars(random).Length);
        });
        Assert.Equal(tokens.Count, tokens.Distinct(StringComparer.Ordinal).Count());
    }
}
