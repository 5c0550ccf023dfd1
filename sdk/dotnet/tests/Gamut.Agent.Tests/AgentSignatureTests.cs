using System.Text;

namespace Gamut.Agent.Tests;

/// <summary>
/// <see cref="AgentSignature.Apply"/> refuses, before anything is sent, a request that carries the agent's own runtime
/// secret in its target (verbatim or percent-encoded to any depth), its body (raw or JSON-escaped) or a header.
/// </summary>
public sealed class AgentSignatureTests
{
    private const string Secret = "demo-secret-do-not-use-in-production-0123456789";
    private const string Gateway = "http://127.0.0.1:8080";

    private static readonly GamutOptions Options = new()
    {
        BaseUrl = Gateway,
        Tenant = "demo",
        Workspace = "ws-demo",
        AgentId = "demo-agent",
        Secret = Secret,
    };

    private static string EncodeEveryCharacter(string text) => string.Concat(Encoding.UTF8.GetBytes(text).Select(b => $"%{b:X2}"));

    private static HttpRequestMessage Get(string target) => new(HttpMethod.Get, new Uri(Gateway + target));

    private static SecretFinding Refused(HttpRequestMessage request, byte[]? body = null)
    {
        var error = Assert.Throws<GamutSecretMaterialException>(() => AgentSignature.Apply(request, Options, body ?? []));
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
        Assert.False(request.Headers.Contains("X-Gamut-Signature"));
        return Assert.Single(error.Findings);
    }

    [Fact]
    public void Apply_SignsAnOrdinaryRequest()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Gateway + "/providers/openai/v1/chat/completions?stream=true"));
        request.Headers.TryAddWithoutValidation("X-Request-Label", "ordinary");
        AgentSignature.Apply(request, Options, """{"model":"gpt","messages":[{"role":"user","content":"hello"}]}"""u8);
        Assert.StartsWith("v1=", request.Headers.GetValues("X-Gamut-Signature").Single(), StringComparison.Ordinal);
        Assert.Equal("demo-agent", request.Headers.GetValues("X-Gamut-Agent").Single());
    }

    [Fact]
    public void Apply_RefusesTheSecretVerbatimInThePath()
    {
        using var request = Get("/providers/crm/r/" + Secret);
        Assert.Equal(new SecretFinding("target", "agent_secret"), Refused(request));
    }

    [Fact]
    public void Apply_RefusesTheSecretPercentEncodedInThePath()
    {
        using var request = Get("/providers/crm/r/" + EncodeEveryCharacter(Secret));
        Assert.Equal(new SecretFinding("target", "agent_secret"), Refused(request));
    }

    [Fact]
    public void Apply_RefusesTheSecretPercentEncodedTwiceInThePath()
    {
        using var request = Get("/providers/crm/r/" + EncodeEveryCharacter(Secret).Replace("%", "%25", StringComparison.Ordinal));
        Assert.Equal(new SecretFinding("target", "agent_secret"), Refused(request));
    }

    [Fact]
    public void Apply_RefusesTheSecretInTheQuery()
    {
        using var request = Get("/providers/crm/search?q=" + EncodeEveryCharacter(Secret));
        Assert.Equal(new SecretFinding("target", "agent_secret"), Refused(request));
    }

    [Fact]
    public void Apply_RefusesTheSecretInTheQueryWithPlusForSpace()
    {
        var options = new GamutOptions { BaseUrl = Gateway, Tenant = "demo", Workspace = "ws-demo", AgentId = "demo-agent", Secret = "demo secret with spaces 0123456789" };
        using var request = Get("/providers/crm/search?q=demo+secret+with+spaces+0123456789");
        var error = Assert.Throws<GamutSecretMaterialException>(() => AgentSignature.Apply(request, options, []));
        Assert.Equal(new SecretFinding("target", "agent_secret"), Assert.Single(error.Findings));
    }

    [Fact]
    public void Apply_RefusesTheSecretInTheBody()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Gateway + "/providers/crm/notes"));
        Assert.Equal(new SecretFinding("body", "agent_secret"), Refused(request, Encoding.UTF8.GetBytes("note=" + Secret)));
    }

    [Fact]
    public void Apply_RefusesTheSecretJsonEscapedInTheBody()
    {
        var escaped = string.Concat(Secret.Select(c => $"\\u{(int)c:x4}"));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Gateway + "/providers/crm/notes"));
        Assert.Equal(new SecretFinding("body", "agent_secret"), Refused(request, Encoding.UTF8.GetBytes($$"""{"note":"{{escaped}}"}""")));
    }

    [Fact]
    public void Apply_RefusesTheSecretInAHeader()
    {
        using var request = Get("/providers/crm/contacts/42");
        request.Headers.TryAddWithoutValidation("X-Debug", "key=" + Secret);
        Assert.Equal(new SecretFinding("header:X-Debug", "agent_secret"), Refused(request));
    }

    [Fact]
    public void Apply_RefusesTheSecretInAContentHeader()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Gateway + "/providers/crm/notes")) { Content = new ByteArrayContent("{}"u8.ToArray()) };
        request.Content.Headers.TryAddWithoutValidation("Content-Disposition", "attachment; filename=" + Secret);
        Assert.Equal(new SecretFinding("header:Content-Disposition", "agent_secret"), Refused(request, "{}"u8.ToArray()));
    }
}
