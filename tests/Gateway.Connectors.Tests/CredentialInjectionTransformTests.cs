using System.Net;
using System.Net.Http.Json;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Injection;
using Gateway.Connectors.Signing;
using Gateway.Policy;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;
using HttpResults = Microsoft.AspNetCore.Http.Results;

namespace Gateway.Connectors.Tests;

public sealed class CredentialInjectionTransformTests : IAsyncLifetime
{
    private readonly TestVault _vault = new(new Dictionary<string, string> { ["MODEL_KEY"] = "sk-env-model-key" });
    private int _upstreamHits;
    private KestrelUpstream _upstream = null!;

    public async Task InitializeAsync()
    {
        _upstream = await KestrelUpstream.StartAsync(app =>
        {
            app.MapGet("/v1/headers", (HttpContext context) =>
            {
                Interlocked.Increment(ref _upstreamHits);
                return HttpResults.Json(context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()));
            });
        });
        await _vault.Vault.PutAsync("acme", "openai", "sk-vault-upstream-key");
        await _vault.Vault.PutAsync("acme", "anthropic", "anthropic-vault-key");
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    private IForwarderErrorFeature? _lastForwarderError;

    private async Task<KestrelUpstream> StartProxyAsync(ConnectorRequestFeature? feature)
    {
        var route = new RouteConfig
        {
            RouteId = "providers",
            ClusterId = "upstream",
            Match = new RouteMatch { Path = "/providers/openai/{**rest}" },
        }.WithTransformPathRemovePrefix("/providers/openai").WithTransformCredentialInjection();
        var cluster = new ClusterConfig
        {
            ClusterId = "upstream",
            Destinations = new Dictionary<string, DestinationConfig> { ["d"] = new() { Address = _upstream.BaseUri.ToString() } },
        };
        return await KestrelUpstream.StartAsync(
            app =>
            {
                app.Use(async (context, next) =>
                {
                    if (feature is not null)
                    {
                        context.Features.Set(feature);
                    }

                    await next(context);
                    _lastForwarderError = context.GetForwarderErrorFeature();
                });
                app.MapReverseProxy();
            },
            builder =>
            {
                builder.Services.AddSingleton(_vault.Resolver);
                builder.Services.AddReverseProxy().LoadFromMemory([route], [cluster]).AddGatewayConnectorTransforms();
            });
    }

    private static CatalogEntry OpenAi(ConnectorAuth? auth = null, string credential = "vault:openai") => new()
    {
        Name = "openai",
        Kind = ConnectorKind.OpenAI,
        ActionType = ActionType.ModelInference,
        Upstream = new Uri("http://unused.invalid/"),
        Credential = SecretReference.TryParse(credential, null, out var reference) ? reference : throw new ArgumentException(credential, nameof(credential)),
        Auth = auth ?? ConnectorAuth.Bearer,
    };

    private static HttpRequestMessage AgentRequest(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer agent-runtime-secret");
        request.Headers.TryAddWithoutValidation("x-api-key", "agent-key");
        request.Headers.TryAddWithoutValidation("api-key", "agent-azure-key");
        request.Headers.TryAddWithoutValidation("Cookie", "session=abc");
        request.Headers.TryAddWithoutValidation("Proxy-Authorization", "Basic Zm9vOmJhcg==");
        request.Headers.TryAddWithoutValidation(SignatureHeaders.Tenant, "acme");
        request.Headers.TryAddWithoutValidation(SignatureHeaders.Agent, "agent-1");
        request.Headers.TryAddWithoutValidation(SignatureHeaders.Nonce, "nonce-nonce-nonce-1");
        request.Headers.TryAddWithoutValidation(SignatureHeaders.Signature, "v1=" + new string('a', 64));
        request.Headers.TryAddWithoutValidation(SignatureHeaders.DecisionToken, "v1.forged.token");
        request.Headers.TryAddWithoutValidation("X-Custom", "kept");
        return request;
    }

    [Fact]
    public async Task Proxy_BearerScheme_UpstreamSeesVaultKeyNeverAgentCredentials()
    {
        await using var proxy = await StartProxyAsync(new ConnectorRequestFeature { Tenant = "acme", Connector = OpenAi(), DecisionToken = "v1.real.token" });
        using var client = new HttpClient { BaseAddress = proxy.BaseUri };

        using var response = await client.SendAsync(AgentRequest("/providers/openai/v1/headers"));
        var headers = await response.Content.ReadFromJsonAsync<Dictionary<string, string>>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer sk-vault-upstream-key", headers!["authorization"]);
        Assert.Equal("v1.real.token", headers["x-gamut-decision-token"]);
        Assert.Equal("kept", headers["x-custom"]);
        foreach (var name in new[] { "x-api-key", "api-key", "cookie", "proxy-authorization", "x-gamut-signature", "x-gamut-tenant", "x-gamut-agent", "x-gamut-nonce", "x-gamut-dry-run" })
        {
            Assert.False(headers.ContainsKey(name), name);
        }

        Assert.DoesNotContain(headers.Values, v => v.Contains("agent", StringComparison.Ordinal) && v != "kept");
    }

    [Fact]
    public async Task Proxy_ApiKeyAndCustomHeaderSchemes_SetThatHeaderOnly()
    {
        await using (var proxy = await StartProxyAsync(new ConnectorRequestFeature { Tenant = "acme", Connector = OpenAi(new ConnectorAuth { HeaderName = "x-api-key" }, "vault:anthropic") }))
        {
            using var client = new HttpClient { BaseAddress = proxy.BaseUri };
            var headers = await (await client.SendAsync(AgentRequest("/providers/openai/v1/headers"))).Content.ReadFromJsonAsync<Dictionary<string, string>>();
            Assert.Equal("anthropic-vault-key", headers!["x-api-key"]);
            Assert.False(headers.ContainsKey("authorization"));
            Assert.False(headers.ContainsKey("x-gamut-decision-token"));
        }

        await using (var proxy = await StartProxyAsync(new ConnectorRequestFeature { Tenant = "acme", Connector = OpenAi(new ConnectorAuth { HeaderName = "X-Service-Token" }), DegradeMode = DegradeMode.DryRun }))
        {
            using var client = new HttpClient { BaseAddress = proxy.BaseUri };
            var headers = await (await client.SendAsync(AgentRequest("/providers/openai/v1/headers"))).Content.ReadFromJsonAsync<Dictionary<string, string>>();
            Assert.Equal("sk-vault-upstream-key", headers!["x-service-token"]);
            Assert.Equal("true", headers["x-gamut-dry-run"]);
            Assert.False(headers.ContainsKey("authorization"));
        }
    }

    [Fact]
    public async Task Proxy_EnvironmentCredential_InjectedAsBearer()
    {
        await using var proxy = await StartProxyAsync(new ConnectorRequestFeature { Tenant = "acme", Connector = OpenAi(credential: "env:MODEL_KEY") });
        using var client = new HttpClient { BaseAddress = proxy.BaseUri };

        var headers = await (await client.SendAsync(AgentRequest("/providers/openai/v1/headers"))).Content.ReadFromJsonAsync<Dictionary<string, string>>();

        Assert.Equal("Bearer sk-env-model-key", headers!["authorization"]);
    }

    [Fact]
    public async Task Proxy_NoCredential_ForwardedWithAgentCredentialsStillStripped()
    {
        var connector = OpenAi() with { Credential = null };
        await using var proxy = await StartProxyAsync(new ConnectorRequestFeature { Tenant = "acme", Connector = connector, DecisionToken = "v1.real.token" });
        using var client = new HttpClient { BaseAddress = proxy.BaseUri };

        using var response = await client.SendAsync(AgentRequest("/providers/openai/v1/headers"));
        var headers = await response.Content.ReadFromJsonAsync<Dictionary<string, string>>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(headers!.ContainsKey("authorization"));
        Assert.False(headers.ContainsKey("x-api-key"));
        Assert.Equal("v1.real.token", headers["x-gamut-decision-token"]);
    }

    [Theory]
    [InlineData("revoked")]
    [InlineData("never-stored")]
    public async Task Proxy_CredentialUnavailable_NothingForwardedAndTheCauseIsTheCredential(string name)
    {
        await _vault.Vault.PutAsync("acme", "revoked", "old-value");
        await _vault.Vault.RevokeAsync("acme", "revoked");
        await using var proxy = await StartProxyAsync(new ConnectorRequestFeature { Tenant = "acme", Connector = OpenAi(credential: "vault:" + name) });
        using var client = new HttpClient { BaseAddress = proxy.BaseUri };
        var before = _upstreamHits;

        using var response = await client.SendAsync(AgentRequest("/providers/openai/v1/headers"));
        var body = await response.Content.ReadAsStringAsync();

        // YARP answers a request it could not create with 502 and hands the cause to the host (which answers 503 credential_unavailable).
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.IsType<CredentialUnavailableException>(_lastForwarderError?.Exception);
        Assert.DoesNotContain("old-value", body, StringComparison.Ordinal);
        Assert.Equal(before, _upstreamHits);
    }

    [Fact]
    public async Task Proxy_NoFeature_Refused()
    {
        await using var proxy = await StartProxyAsync(feature: null);
        using var client = new HttpClient { BaseAddress = proxy.BaseUri };
        var before = _upstreamHits;

        using var response = await client.SendAsync(AgentRequest("/providers/openai/v1/headers"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.IsType<InvalidOperationException>(_lastForwarderError?.Exception);
        Assert.Equal(before, _upstreamHits);
    }

    [Fact]
    public void Factory_ValidatesRouteValues()
    {
        var factory = new CredentialInjectionTransformFactory();
        var context = new Yarp.ReverseProxy.Transforms.Builder.TransformRouteValidationContext { Route = new RouteConfig(), Services = new ServiceCollection().BuildServiceProvider() };

        Assert.False(factory.Validate(context, new Dictionary<string, string> { ["Other"] = "x" }));
        Assert.True(factory.Validate(context, new Dictionary<string, string> { [CredentialInjectionTransformFactory.CredentialInjectionKey] = CredentialInjectionTransformFactory.FromFeature }));
        Assert.Empty(context.Errors);
        Assert.True(factory.Validate(context, new Dictionary<string, string> { [CredentialInjectionTransformFactory.CredentialInjectionKey] = "openai" }));
        Assert.Single(context.Errors);
        Assert.True(factory.Validate(context, new Dictionary<string, string> { [CredentialInjectionTransformFactory.CredentialInjectionKey] = "*", ["Other"] = "x" }));
        Assert.Equal(2, context.Errors.Count);
    }

    [Fact]
    public void GatewayHeaders_IsCredentialLike()
    {
        Assert.True(GatewayHeaders.IsCredentialLike("authorization"));
        Assert.True(GatewayHeaders.IsCredentialLike("X-Goog-Api-Key"));
        Assert.True(GatewayHeaders.IsCredentialLike("x-gamut-anything"));
        Assert.False(GatewayHeaders.IsCredentialLike("content-type"));
        Assert.False(GatewayHeaders.IsCredentialLike("x-request-id"));
    }
}
