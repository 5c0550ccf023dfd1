using System.Text;
using Gateway.Connectors.Signing;

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
}
