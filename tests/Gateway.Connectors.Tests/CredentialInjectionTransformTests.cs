using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Connectors.Injection;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Signing;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Connectors.Tests;

public sealed class CredentialInjectionTransformTests : IAsyncLifetime
{
    private readonly TestVault _vault = new();
    private int _upstreamHits;
    private KestrelUpstream _upstream = null!;

    public async Task InitializeAsync()
    {
        _upstream = await KestrelUpstream.StartAsync(app =>
        {
            app.MapGet("/v1/headers", (HttpContext context) =>
            {
                Interlocked.Increment(ref _upstreamHits);
                return Results.Json(context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()));
            });
            app.MapGet("/v1/stream", async (HttpContext context) =>
            {
                context.Response.ContentType = "text/event-stream";
                var parts = new[] { "data: {\"content\":\"write to jane.d", "oe@example.com now\"}\n", "\ndata: {\"card\":\"4111 1111 1111 1111\"}\n\n", "data: [DONE]\n\n" };
                foreach (var part in parts)
                {
                    await context.Response.WriteAsync(part);
                    await context.Response.Body.FlushAsync();
                    await Task.Delay(20);
                }
            });
            app.MapGet("/v1/json", () => Results.Json(new { email = "jane@example.com", n = 1 }));
        });
        await _vault.Vault.PutAsync("acme", "openai", "sk-vault-upstream-key");
        await _vault.Vault.PutAsync("acme", "anthropic", "anthropic-vault-key");
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    private async Task<KestrelUpstream> StartProxyAsync(ConnectorRequestFeature? feature)
    {
        var route = new RouteConfig
        {
            RouteId = "providers",
            ClusterId = "upstream",
            Match = new RouteMatch { Path = "/providers/openai/{**rest}" },
        }.WithTransformPathRemovePrefix("/providers/openai").WithTransformCredentialInjection().WithTransformResponseRedaction();
        var cluster = new ClusterConfig
        {
            ClusterId = "upstream",
            Destinations = new Dictionary<string, DestinationConfig> { ["d"] = new() { Address = _upstream.BaseUri.ToString() } },
        };
        return await KestrelUpstream.StartAsync(
            app =>
            {
                app.Use((context, next) =>
                {
                    if (feature is not null)
                    {
                        context.Features.Set(feature);
                    }

                    return next(context);
                });
                app.MapReverseProxy();
            },
            builder =>
            {
                builder.Services.AddSingleton(_vault.Resolver);
                builder.Services.AddReverseProxy().LoadFromMemory([route], [cluster]).AddGatewayConnectorTransforms();
            });
    }

    private static ConnectorDefinition OpenAi(AuthScheme? scheme = null, string reference = "vault:openai") => new()
    {
        Name = "openai",
        Kind = ConnectorKind.OpenAI,
        Upstream = new Uri("http://unused.invalid/"),
        CredentialReference = reference,
        AuthScheme = scheme ?? AuthScheme.Bearer,
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
        await using (var proxy = await StartProxyAsync(new ConnectorRequestFeature { Tenant = "acme", Connector = OpenAi(AuthScheme.ApiKey, "vault:anthropic") }))
        {
            using var client = new HttpClient { BaseAddress = proxy.BaseUri };
            var headers = await (await client.SendAsync(AgentRequest("/providers/openai/v1/headers"))).Content.ReadFromJsonAsync<Dictionary<string, string>>();
            Assert.Equal("anthropic-vault-key", headers!["x-api-key"]);
            Assert.False(headers.ContainsKey("authorization"));
            Assert.False(headers.ContainsKey("x-gamut-decision-token"));
        }

        await using (var proxy = await StartProxyAsync(new ConnectorRequestFeature { Tenant = "acme", Connector = OpenAi(AuthScheme.Parse("header:X-Service-Token")), DegradeMode = DegradeMode.DryRun }))
        {
            using var client = new HttpClient { BaseAddress = proxy.BaseUri };
            var headers = await (await client.SendAsync(AgentRequest("/providers/openai/v1/headers"))).Content.ReadFromJsonAsync<Dictionary<string, string>>();
            Assert.Equal("sk-vault-upstream-key", headers!["x-service-token"]);
            Assert.Equal("true", headers["x-gamut-dry-run"]);
            Assert.False(headers.ContainsKey("authorization"));
        }
    }

    [Fact]
    public async Task Proxy_CredentialRevoked_503CredentialUnavailableAndNothingForwarded()
    {
        await _vault.Vault.PutAsync("acme", "revoked", "old-value");
        await _vault.Vault.RevokeAsync("acme", "revoked");
        await using var proxy = await StartProxyAsync(new ConnectorRequestFeature { Tenant = "acme", Connector = OpenAi(reference: "vault:revoked") });
        using var client = new HttpClient { BaseAddress = proxy.BaseUri };
        var before = _upstreamHits;

        using var response = await client.SendAsync(AgentRequest("/providers/openai/v1/headers"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains(CredentialInjectionTransform.ErrorCode, body, StringComparison.Ordinal);
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

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(before, _upstreamHits);
    }

    [Fact]
    public async Task Proxy_RedactDegrade_SseRedactedWhileStreaming()
    {
        var feature = new ConnectorRequestFeature { Tenant = "acme", Connector = OpenAi(), DegradeMode = DegradeMode.Redact };
        await using var proxy = await StartProxyAsync(feature);
        using var client = new HttpClient { BaseAddress = proxy.BaseUri };

        using var response = await client.GetAsync("/providers/openai/v1/stream", HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("data: {\"content\":\"write to [REDACTED:email] now\"}\n\ndata: {\"card\":\"[REDACTED:card_number]\"}\n\ndata: [DONE]\n\n", body);
        Assert.Equal(1, feature.Redactions[RedactionKind.Email]);
        Assert.Equal(1, feature.Redactions[RedactionKind.CardNumber]);
    }

    [Fact]
    public async Task Proxy_RedactDegrade_JsonRedactedAndNotDegradedPassesThrough()
    {
        await using (var proxy = await StartProxyAsync(new ConnectorRequestFeature { Tenant = "acme", Connector = OpenAi(), DegradeMode = DegradeMode.Redact }))
        {
            using var client = new HttpClient { BaseAddress = proxy.BaseUri };
            using var document = JsonDocument.Parse(await client.GetStringAsync("/providers/openai/v1/json"));
            Assert.Equal("[REDACTED:email]", document.RootElement.GetProperty("email").GetString());
        }

        await using (var proxy = await StartProxyAsync(new ConnectorRequestFeature { Tenant = "acme", Connector = OpenAi() }))
        {
            using var client = new HttpClient { BaseAddress = proxy.BaseUri };
            Assert.Contains("jane@example.com", await client.GetStringAsync("/providers/openai/v1/json"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Factory_ValidatesRouteValues()
    {
        var factory = new CredentialInjectionTransformFactory();
        var context = new Yarp.ReverseProxy.Transforms.Builder.TransformRouteValidationContext { Route = new RouteConfig(), Services = new ServiceCollection().BuildServiceProvider() };

        Assert.False(factory.Validate(context, new Dictionary<string, string> { ["Other"] = "x" }));
        Assert.True(factory.Validate(context, new Dictionary<string, string> { [CredentialInjectionTransformFactory.CredentialInjectionKey] = "" }));
        Assert.Single(context.Errors);
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
