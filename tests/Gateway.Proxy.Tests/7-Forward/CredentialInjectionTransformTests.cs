using System.Net;
using System.Net.Http.Json;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Signing;
using Gateway.Connectors.Vault;
using Gateway.Oversight.Credentials;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Pipeline;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;
using HttpResults = Microsoft.AspNetCore.Http.Results;

namespace Gateway.Proxy.Tests.Forward;

/// <summary>
/// The credential injection transform on a real YARP route configured by its values (header, scheme, reference),
/// forwarding to a real Kestrel upstream; the request's part (tenant, decision token, degrade) is the forward plan.
/// </summary>
public sealed class CredentialInjectionTransformTests : IAsyncLifetime
{
    private readonly CredentialVault _vault = new(new StateStoreCredentialStore(new InMemoryStateStore()), new EncryptionKeyRing(DataEncryptionKey.Generate()));
    private readonly CredentialResolver _resolver;
    private int _upstreamHits;
    private KestrelUpstream _upstream = null!;
    private IForwarderErrorFeature? _lastForwarderError;

    public CredentialInjectionTransformTests()
    {
        var environment = new Dictionary<string, string> { ["MODEL_KEY"] = "sk-env-model-key" };
        _resolver = new CredentialResolver(_vault, environment: name => environment.GetValueOrDefault(name));
    }

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
        await _vault.PutAsync("acme", "openai", "sk-vault-upstream-key");
        await _vault.PutAsync("acme", "anthropic", "anthropic-vault-key");
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    private async Task<KestrelUpstream> StartProxyAsync(CatalogEntry connector, ForwardPlan? plan)
    {
        var route = new RouteConfig
        {
            RouteId = "providers",
            ClusterId = "upstream",
            Match = new RouteMatch { Path = "/providers/openai/{**rest}" },
        }.WithTransformPathRemovePrefix("/providers/openai").WithTransformCredentialInjection(connector.Auth, ConnectorCredentials.ReferenceOf(connector));
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
                    var feature = new GatewayRequestFeature(context.TraceIdentifier);
                    if (plan is not null)
                    {
                        feature.Add(plan);
                    }

                    context.Features.Set(feature);
                    await next(context);
                    _lastForwarderError = context.GetForwarderErrorFeature();
                });
                app.MapReverseProxy();
            },
            builder =>
            {
                builder.Services.AddSingleton(_resolver);
                builder.Services.AddReverseProxy().LoadFromMemory([route], [cluster]).AddTransformFactory<CredentialInjectionTransformFactory>();
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

    private static ForwardPlan Plan(CatalogEntry connector, string? decisionToken = null, DegradeMode? degrade = null) => new()
    {
        Tenant = TenantPolicy.Create(new TenantRegister { Tenant = "acme", Catalog = [connector] }, new string('0', 64)),
        Identity = new AgentIdentity(new AuthenticatedCaller("acme", "default", "agent-1"), "nonce-nonce-nonce-1", 0),
        Entry = connector,
        Upstream = connector,
        ClusterId = "acme/" + connector.Name,
        DecisionToken = decisionToken,
        Degrade = degrade,
        MaxResponseBytes = 1 << 20,
        StartedTimestamp = 0,
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

    private static async Task<Dictionary<string, string>> HeadersSeenAsync(KestrelUpstream proxy)
    {
        using var client = new HttpClient { BaseAddress = proxy.BaseUri };
        using var response = await client.SendAsync(AgentRequest("/providers/openai/v1/headers"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Dictionary<string, string>>())!;
    }

    [Fact]
    public async Task ApplyAsync_BearerScheme_UpstreamSeesVaultKeyNeverAgentCredentials()
    {
        var connector = OpenAi();
        await using var proxy = await StartProxyAsync(connector, Plan(connector, decisionToken: "v1.real.token"));

        var headers = await HeadersSeenAsync(proxy);

        Assert.Equal("Bearer sk-vault-upstream-key", headers["authorization"]);
        Assert.Equal("v1.real.token", headers["x-gamut-decision-token"]);
        Assert.Equal("kept", headers["x-custom"]);
        foreach (var name in new[] { "x-api-key", "api-key", "cookie", "proxy-authorization", "x-gamut-signature", "x-gamut-tenant", "x-gamut-agent", "x-gamut-nonce", "x-gamut-dry-run" })
        {
            Assert.False(headers.ContainsKey(name), name);
        }

        Assert.DoesNotContain(headers.Values, v => v.Contains("agent", StringComparison.Ordinal) && v != "kept");
    }

    [Fact]
    public async Task ApplyAsync_ApiKeyAndCustomHeaderSchemes_SetThatHeaderOnly()
    {
        var apiKey = OpenAi(new ConnectorAuth { HeaderName = "x-api-key" }, "vault:anthropic");
        await using (var proxy = await StartProxyAsync(apiKey, Plan(apiKey)))
        {
            var headers = await HeadersSeenAsync(proxy);
            Assert.Equal("anthropic-vault-key", headers["x-api-key"]);
            Assert.False(headers.ContainsKey("authorization"));
            Assert.False(headers.ContainsKey("x-gamut-decision-token"));
        }

        var custom = OpenAi(new ConnectorAuth { HeaderName = "X-Service-Token" });
        await using (var proxy = await StartProxyAsync(custom, Plan(custom, degrade: DegradeMode.DryRun)))
        {
            var headers = await HeadersSeenAsync(proxy);
            Assert.Equal("sk-vault-upstream-key", headers["x-service-token"]);
            Assert.Equal("true", headers["x-gamut-dry-run"]);
            Assert.False(headers.ContainsKey("authorization"));
        }
    }

    [Fact]
    public async Task ApplyAsync_EnvironmentCredential_InjectedAsBearer()
    {
        var connector = OpenAi(credential: "env:MODEL_KEY");
        await using var proxy = await StartProxyAsync(connector, Plan(connector));

        Assert.Equal("Bearer sk-env-model-key", (await HeadersSeenAsync(proxy))["authorization"]);
    }

    [Fact]
    public async Task ApplyAsync_NoCredential_ForwardedWithAgentCredentialsStillStripped()
    {
        var connector = OpenAi() with { Credential = null };
        await using var proxy = await StartProxyAsync(connector, Plan(connector, decisionToken: "v1.real.token"));

        var headers = await HeadersSeenAsync(proxy);

        Assert.False(headers.ContainsKey("authorization"));
        Assert.False(headers.ContainsKey("x-api-key"));
        Assert.Equal("v1.real.token", headers["x-gamut-decision-token"]);
    }

    [Theory]
    [InlineData("revoked")]
    [InlineData("never-stored")]
    public async Task ApplyAsync_CredentialUnavailable_NothingForwardedAndTheCauseIsTheCredential(string name)
    {
        await _vault.PutAsync("acme", "revoked", "old-value");
        await _vault.RevokeAsync("acme", "revoked");
        var connector = OpenAi(credential: "vault:" + name);
        await using var proxy = await StartProxyAsync(connector, Plan(connector));
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
    public async Task ApplyAsync_NoPlan_NothingForwarded()
    {
        await using var proxy = await StartProxyAsync(OpenAi(), plan: null);
        using var client = new HttpClient { BaseAddress = proxy.BaseUri };
        var before = _upstreamHits;

        using var response = await client.SendAsync(AgentRequest("/providers/openai/v1/headers"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.IsType<InvalidOperationException>(_lastForwarderError?.Exception);
        Assert.Equal(before, _upstreamHits);
    }
}
