using System.Collections;

namespace Gamut.Agent.Tests;

/// <summary>Configuration is exactly the five GAMUT_* values; provider configuration is refused at construction.</summary>
public sealed class ConfigurationTests
{
    private static Hashtable Five() => new()
    {
        ["GAMUT_BASE_URL"] = "http://127.0.0.1:8080",
        ["GAMUT_TENANT_SLUG"] = "demo",
        ["GAMUT_WORKSPACE_ID"] = "ws-demo",
        ["GAMUT_AGENT_ID"] = "demo-agent",
        ["GAMUT_BYO_AGENT_SECRET"] = "demo-secret-do-not-use-in-production-0123456789",
    };

    [Fact]
    public void FromEnvironment_ReadsTheFiveValues()
    {
        using var client = new GamutClient(GamutOptions.FromEnvironment(Five()));
        Assert.Equal("http://127.0.0.1:8080/providers/openai/", client.ProviderUri("openai").AbsoluteUri);
        Assert.DoesNotContain("demo-secret", client.Options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_TrimsEachValue_AsThePythonAndNodeSdksDo()
    {
        var env = Five();
        foreach (var name in env.Keys.Cast<string>().ToList())
        {
            env[name] = $"  {env[name]}\n";
        }

        var options = GamutOptions.FromEnvironment(env);

        Assert.Equal(
            ("http://127.0.0.1:8080", "demo", "ws-demo", "demo-agent", "demo-secret-do-not-use-in-production-0123456789"),
            (options.BaseUrl, options.Tenant, options.Workspace, options.AgentId, options.Secret));
        using var client = new GamutClient(options);
        Assert.Equal("http://127.0.0.1:8080/", client.BaseUri.AbsoluteUri);
    }

    [Fact]
    public void FromEnvironment_TrimsTheKeyId()
    {
        var env = Five();
        env.Remove("GAMUT_BYO_AGENT_SECRET");
        env["GAMUT_AGENT_KEY_ID"] = " agent-key-1\n";

        Assert.Equal("agent-key-1", GamutOptions.FromEnvironment(env).KeyId);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("-openai")]
    [InlineData("_x")]
    [InlineData("")]
    public async Task ConnectorNames_StartWithALetterOrDigit(string name)
    {
        using var client = new GamutClient(GamutOptions.FromEnvironment(Five()));
        Assert.Throws<GamutConfigurationException>(() => client.ProviderUri(name));
        await Assert.ThrowsAsync<GamutConfigurationException>(() => client.GetAgentCardAsync(name));
    }

    [Fact]
    public void ConnectorNames_MayHoldDotsDashesAndUnderscoresAfterTheFirstCharacter() =>
        Assert.Equal("http://127.0.0.1:8080/providers/9open.ai_x-y/", new GamutClient(GamutOptions.FromEnvironment(Five())).ProviderUri("9open.ai_x-y").AbsoluteUri);

    [Fact]
    public void Construction_RefusesAMissingValue()
    {
        var four = Five();
        four.Remove("GAMUT_AGENT_ID");
        Assert.Throws<GamutConfigurationException>(() => new GamutClient(GamutOptions.FromEnvironment(four)));
    }

    [Theory]
    [InlineData("https://api.openai.com")]
    [InlineData("http://127.0.0.1:8080/providers/openai")]
    [InlineData("http://127.0.0.1:8080/v1")]
    [InlineData("http://user:pw@127.0.0.1:8080")]
    [InlineData("ftp://127.0.0.1")]
    [InlineData("http://127.0.0.1:8080/gateway")]
    public void Construction_RefusesABaseUrlOtherThanTheGatewaysOrigin(string url)
    {
        var options = GamutOptions.FromEnvironment(Five()) with { BaseUrl = url };
        Assert.Throws<GamutConfigurationException>(() => new GamutClient(options));
    }

    [Fact]
    public void Construction_RefusesAProviderKeyShapedSecret()
    {
        var options = GamutOptions.FromEnvironment(Five()) with { Secret = "sk-test0000000000000000000000fake" };
        Assert.Throws<GamutConfigurationException>(() => new GamutClient(options));
    }

    [Fact]
    public void FromEnvironment_RefusesAProviderSettingAmongGamutVariables()
    {
        var env = Five();
        env["GAMUT_OPENAI_API_KEY"] = "x";
        Assert.Throws<GamutConfigurationException>(() => GamutOptions.FromEnvironment(env));
    }

    [Fact]
    public async Task SigningHandler_RefusesAnyOriginButTheGateway()
    {
        using var client = new GamutClient(GamutOptions.FromEnvironment(Five()));
        using var http = new HttpClient(client.CreateSigningHandler());
        await Assert.ThrowsAsync<GamutConfigurationException>(() => http.PostAsync(new Uri("https://api.openai.com/v1/chat/completions"), new StringContent("{}")));
    }
}
