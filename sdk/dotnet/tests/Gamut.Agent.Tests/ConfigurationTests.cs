using System.Collections;
using System.Net.Sockets;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

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

    [Theory]
    [InlineData("http://gw.example:8080")]
    [InlineData("http://10.0.0.5")]
    [InlineData("http://[fd00::1]:8080")]
    [InlineData("http://localhost.example")]
    [InlineData("http://127.0.0.1.nip.io")]
    [InlineData("http://[::ffff:127.0.0.1]")]
    public void Construction_RefusesPlainHttpToAHostOtherThanLoopback_NamingTheOptIn(string url)
    {
        var env = Five();
        env["GAMUT_BASE_URL"] = url;
        var fromCode = GamutOptions.FromEnvironment(Five()) with { BaseUrl = url };
        var explicitlyOff = (Hashtable)env.Clone();
        explicitlyOff["GAMUT_ALLOW_INSECURE_HTTP"] = "false";

        foreach (var options in new[] { fromCode, GamutOptions.FromEnvironment(env), GamutOptions.FromEnvironment(explicitlyOff) })
        {
            var refused = Assert.Throws<GamutConfigurationException>(() => new GamutClient(options));
            Assert.Contains("GAMUT_BASE_URL is plain http://", refused.Message, StringComparison.Ordinal);
            Assert.Contains("AllowInsecureHttp = true (GAMUT_ALLOW_INSECURE_HTTP=true)", refused.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("http://localhost:8080", "http://localhost:8080/")]
    [InlineData("http://LOCALHOST", "http://localhost/")]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:8080/")]
    [InlineData("http://127.8.9.10", "http://127.8.9.10/")]
    [InlineData("http://[::1]:8080", "http://[::1]:8080/")]
    [InlineData("https://gw.example", "https://gw.example/")]
    public void Construction_LoopbackOrHttps_NeedsNoOptIn(string url, string baseUri)
    {
        using var client = new GamutClient(GamutOptions.FromEnvironment(Five()) with { BaseUrl = url });
        Assert.Equal(baseUri, client.BaseUri.AbsoluteUri);
    }

    [Fact]
    public void Construction_WithTheOptIn_AcceptsPlainHttpToAnotherHost()
    {
        var env = Five();
        env["GAMUT_BASE_URL"] = "http://gw.example:8080";
        env["GAMUT_ALLOW_INSECURE_HTTP"] = " True\n";

        using var fromEnvironment = new GamutClient(GamutOptions.FromEnvironment(env));
        using var fromCode = new GamutClient(GamutOptions.FromEnvironment(Five()) with { BaseUrl = "http://gw.example:8080", AllowInsecureHttp = true });

        Assert.Equal("http://gw.example:8080/", fromEnvironment.BaseUri.AbsoluteUri);
        Assert.Equal("http://gw.example:8080/", fromCode.BaseUri.AbsoluteUri);
    }

    [Fact]
    public void FromEnvironment_RefusesAnOptInThatIsNotTrueOrFalse()
    {
        var env = Five();
        env["GAMUT_ALLOW_INSECURE_HTTP"] = "yes";
        var refused = Assert.Throws<GamutConfigurationException>(() => GamutOptions.FromEnvironment(env));
        Assert.Equal("GAMUT_ALLOW_INSECURE_HTTP must be true or false.", refused.Message);
    }

    [Fact]
    public async Task DelegateAsync_ParentOptedInToPlainHttp_ChildKeepsTheOptIn()
    {
        // The gateway is named gw.example; every connection reaches a real Kestrel server on loopback answering the delegation.
        await using var gateway = await KestrelUpstream.StartAsync(app => app.MapPost("/v1/delegations", () => Results.Json(new
        {
            agent = "child-1",
            secret = "child-secret-0123456789abcdefghij",
            tenant = "demo",
            delegation = new { name = "researcher", parent = "demo-agent", depth = 1, expires_at = "2099-01-01T00:00:00Z" },
        })));
        using var transport = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(gateway.BaseUri.Host, gateway.BaseUri.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var parent = new GamutClient(GamutOptions.FromEnvironment(Five()) with { BaseUrl = "http://gw.example:8080", AllowInsecureHttp = true }, transport);

        using var child = await parent.DelegateAsync(new DelegationGrant { Name = "researcher", Permissions = [new DelegatedPermission("crm.read_contact")] });

        Assert.Equal(("child-1", "http://gw.example:8080/", true), (child.Options.AgentId, child.BaseUri.AbsoluteUri, child.Options.AllowInsecureHttp));
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
