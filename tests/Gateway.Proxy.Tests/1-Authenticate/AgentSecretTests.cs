using System.Text;
using Gateway.Proxy.Security;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// An agent's secret is recognised however it is dressed up (the signed-request middleware refuses a
/// request with 401 <c>secret_presented_otherwise</c> whenever <see cref="AgentSecret.AppearsIn(string)"/>
/// holds for a header or query value, or <see cref="AgentSecret.AppearsIn(ReadOnlySpan{byte})"/> for the body).
/// </summary>
public sealed class AgentSecretTests
{
    private const string Secret = "s3cr3t-agent/key+1234";

    [Theory]
    [InlineData("demo-agent:")]
    [InlineData("")]
    public void AppearsIn_SecretAsHttpBasicCredentials_IsTrue(string user)
    {
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(user + Secret));

        Assert.True(new AgentSecret(Secret).AppearsIn("Basic " + basic));
        Assert.True(new AgentSecret(Secret).AppearsIn("basic   " + basic + "  "));
    }

    [Fact]
    public void AppearsIn_SecretJsonEscapedInABody_IsTrue()
    {
        var secret = new AgentSecret(Secret);
        var unicode = string.Concat(Secret.Select(c => $"\\u{(int)c:x4}"));

        Assert.True(secret.AppearsIn(Encoding.UTF8.GetBytes("{\"note\":\"" + unicode + "\"}")));
        Assert.True(secret.AppearsIn(Encoding.UTF8.GetBytes("{\"x\":\"s3cr3t-agent\\/key+1234\"}")));
        Assert.True(secret.AppearsIn(Encoding.UTF8.GetBytes("{\"s3cr3t-agent\\u002fkey+1234\":1}")));
    }

    [Fact]
    public void AppearsIn_OtherValues_IsFalse()
    {
        var secret = new AgentSecret(Secret);

        Assert.False(secret.AppearsIn("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("demo:other"))));
        Assert.False(secret.AppearsIn("Basic not-base64!"));
        Assert.False(secret.AppearsIn(Encoding.UTF8.GetBytes("{\"x\":\"s3cr3t-agent\\/key\"}")));
    }

    [Fact]
    public void AppearsIn_SecretEscapedInMalformedJson_IsTrue() =>
        Assert.True(new AgentSecret(Secret).AppearsIn(Encoding.UTF8.GetBytes("{\"x\":\"s3cr3t-agent\\/key+1234")));

    [Theory]
    [InlineData("""{"x":"\ud800"}""")]
    [InlineData("""{"\udc00":"y"}""")]
    [InlineData("""{"x":"\ud800\u0041"}""")]
    public void AppearsIn_LoneSurrogateEscapeInTheBody_IsReadAsNotJsonNotThrown(string body)
    {
        // Before authentication (issue #68): the body of a request whose signature is not yet checked.
        var secret = new AgentSecret(Secret);
        var escaped = Encoding.UTF8.GetBytes(body[..^1] + ",\"k\":\"s3cr3t-agent\\/key+1234\"}");

        Assert.False(secret.AppearsIn(Encoding.UTF8.GetBytes(body)));
        Assert.True(secret.AppearsIn(escaped));
    }
}
