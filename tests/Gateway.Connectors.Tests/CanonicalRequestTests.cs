using System.Text;
using Gateway.Connectors.Signing;
using Gateway.Policy.Tokens;

namespace Gateway.Connectors.Tests;

/// <summary>The canonical string built from a request's body is the one built from the body's hash, line for line.</summary>
public sealed class CanonicalRequestTests
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("3f0a", null)]
    [InlineData(null, "run_0123456789abcdef0123456789abcdef")]
    [InlineData("3f0a", "run_0123456789abcdef0123456789abcdef")]
    public void Build_FromBody_IsTheLinesWithTheBodysHash(string? person, string? run)
    {
        var body = Encoding.UTF8.GetBytes("{\"tool\":\"crm.get_contact\",\"args\":{\"id\":\"42\"}}");

        var fromBody = CanonicalRequest.Build("post", "/v1/actions/invoke-tool", "acme", "default", "agent-1", "1700000000", "n-1", body, person, run);

        var expected = string.Join('\n', CanonicalRequest.Scheme, "POST", "/v1/actions/invoke-tool", "acme", "default", "agent-1", "1700000000", "n-1", CanonicalRequest.HashBody(body))
            + (person is null ? string.Empty : "\n" + person) + (run is null ? string.Empty : "\n" + run);
        Assert.Equal(expected, fromBody);
        Assert.Equal(expected, CanonicalRequest.Build("post", "/v1/actions/invoke-tool", "acme", "default", "agent-1", "1700000000", "n-1", CanonicalRequest.HashBody(body), person, run));
    }

    [Fact]
    public void Build_EmptyBody_EndsWithTheEmptyBodysHash()
    {
        var canonical = CanonicalRequest.Build("GET", "/v1/x", "t", "w", "a", "1", "n", ReadOnlySpan<byte>.Empty);

        Assert.EndsWith("\n" + CanonicalRequest.EmptyBodySha256, canonical, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/actions/invoke-tool", null, null)]
    [InlineData("/v1/actions/invoke-tool?q=caf%C3%A9", "3f0a", "run_0123456789abcdef0123456789abcdef")]
    [InlineData("/v1/x/\u00e9t\u00e9", null, "run_1")]
    public void RentUtf8_IsTheCanonicalStringsUtf8AndVerifiesItsSignature(string target, string? person, string? run)
    {
        var body = Encoding.UTF8.GetBytes("{\"tool\":\"crm.get_contact\",\"args\":{\"id\":\"42\"}}");
        var key = new HmacKey(Encoding.UTF8.GetBytes("a-test-key-of-thirty-two-bytes!!"));
        var canonical = CanonicalRequest.Build("post", target, "acme", "default", "agent-1", "1700000000", "n-1", body, person, run);
        var signature = CanonicalRequest.Sign(key, canonical);

        var utf8 = CanonicalRequest.RentUtf8("post", target, "acme", "default", "agent-1", "1700000000", "n-1", body, person, run);
        try
        {
            Assert.Equal(Encoding.UTF8.GetBytes(canonical), utf8.AsSpan().ToArray());
            Assert.True(CanonicalRequest.Verify(key, utf8.AsSpan(), signature));
            Assert.False(CanonicalRequest.Verify(key, utf8.AsSpan()[..^1], signature));
            Assert.False(CanonicalRequest.Verify(new HmacKey(Encoding.UTF8.GetBytes("another-key-of-thirty-two-bytes!")), utf8.AsSpan(), signature));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(utf8.Array!);
        }
    }
}
