using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using NSec.Cryptography;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// The client-assertion grant for an agent registered with a public key, against the real gateway: a <c>private_key_jwt</c>
/// assertion (RFC 7523) signed with the agent's key — EdDSA for Ed25519, ES256 for P-256; during a rotation either key,
/// the one its <c>kid</c> names when it names one — obtains an access token that opens <c>/mcp</c>. Another key, the
/// runtime-secret form (HS256), an expired assertion, another audience, a replayed <c>jti</c> and a retired key are each
/// refused with their OAuth error, and no token is issued.
/// </summary>
public sealed class PrivateKeyJwtTests
{
    /// <summary>The demo agent registered with the Ed25519 key, rotating to the P-256 one.</summary>
    private static readonly Func<string, string> Rotating =
        MessageSignatureTests.WithKey(VectorKeyPair.Ed25519, "next_public_key: " + VectorKeyPair.P256.BundleEntry);

    public static TheoryData<string> KeyNames() => ["ed25519-demo", "p256-demo"];

    [Theory]
    [MemberData(nameof(KeyNames))]
    public async Task Token_AssertionSignedWithEitherKeyOfTheRotation_IssuesATokenThatOpensMcp(string keyName)
    {
        var key = keyName == VectorKeyPair.Ed25519.Name ? VectorKeyPair.Ed25519 : VectorKeyPair.P256;
        await using var gw = await GovernedGateway.StartAsync(Rotating);
        using var oauth = new OAuthClient(gw.Host.Client, gw.Bundle.AgentSecret);

        using var response = await oauth.RequestTokenAsync(oauth.TokenForm("/mcp", oauth.KeyAssertion(key.Sign, key.JwsAlgorithm)));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var token = JsonDocument.Parse(text).RootElement.GetProperty("access_token").GetString()!;
        var claims = JsonDocument.Parse(Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[1]))).RootElement;
        Assert.Equal(DemoBundle.Agent, claims.GetProperty("sub").GetString());
        Assert.Equal(oauth.Origin + "/mcp", claims.GetProperty("aud").GetString());
        using var mcp = await gw.Host.Client.SendAsync(Initialize(token));
        Assert.True(mcp.StatusCode == HttpStatusCode.OK, await mcp.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Token_AssertionWhoseKidNamesTheKey_IsAcceptedAndOneNamingTheOtherKeyIsInvalidClient()
    {
        await using var gw = await GovernedGateway.StartAsync(Rotating);
        using var oauth = new OAuthClient(gw.Host.Client, gw.Bundle.AgentSecret);
        var ed = VectorKeyPair.Ed25519;

        using var named = await oauth.RequestTokenAsync(oauth.TokenForm("/mcp", oauth.KeyAssertion(ed.Sign, ed.JwsAlgorithm, keyId: ed.KeyId)));
        using var misnamed = await oauth.RequestTokenAsync(oauth.TokenForm("/mcp", oauth.KeyAssertion(ed.Sign, ed.JwsAlgorithm, keyId: VectorKeyPair.P256.KeyId)));

        Assert.Equal(HttpStatusCode.OK, named.StatusCode);
        await AssertRefusedAsync(misnamed, HttpStatusCode.Unauthorized, "invalid_client", "registered key");
    }

    [Fact]
    public async Task Token_AssertionSignedWithAnUnregisteredKeyOrUnderTheOtherAlgorithm_IsInvalidClient()
    {
        await using var gw = await GovernedGateway.StartAsync(MessageSignatureTests.WithKey(VectorKeyPair.Ed25519));
        using var oauth = new OAuthClient(gw.Host.Client, gw.Bundle.AgentSecret);
        using var stranger = Key.Create(SignatureAlgorithm.Ed25519);
        var ed = VectorKeyPair.Ed25519;

        using var otherKey = await oauth.RequestTokenAsync(oauth.TokenForm("/mcp", oauth.KeyAssertion(data => SignatureAlgorithm.Ed25519.Sign(stranger, data), "EdDSA")));
        using var unregisteredP256 = await oauth.RequestTokenAsync(oauth.TokenForm("/mcp", oauth.KeyAssertion(VectorKeyPair.P256.Sign, "ES256")));
        using var wrongAlgorithm = await oauth.RequestTokenAsync(oauth.TokenForm("/mcp", oauth.KeyAssertion(ed.Sign, "ES256")));

        await AssertRefusedAsync(otherKey, HttpStatusCode.Unauthorized, "invalid_client", "registered key");
        await AssertRefusedAsync(unregisteredP256, HttpStatusCode.Unauthorized, "invalid_client", "registered key");
        await AssertRefusedAsync(wrongAlgorithm, HttpStatusCode.Unauthorized, "invalid_client", "registered key");
    }

    [Fact]
    public async Task Token_KeyAgentSendingAnHs256AssertionOrASecretAgentAnEdDsaOne_IsInvalidClient()
    {
        await using var keyAgent = await GovernedGateway.StartAsync(MessageSignatureTests.WithKey(VectorKeyPair.Ed25519));
        await using var secretAgent = await GovernedGateway.StartAsync();
        using var toKeyAgent = new OAuthClient(keyAgent.Host.Client, keyAgent.Bundle.AgentSecret);
        using var toSecretAgent = new OAuthClient(secretAgent.Host.Client, secretAgent.Bundle.AgentSecret);

        using var hs256 = await toKeyAgent.RequestTokenAsync(toKeyAgent.TokenForm("/mcp", toKeyAgent.Assertion()));
        using var edDsa = await toSecretAgent.RequestTokenAsync(toSecretAgent.TokenForm("/mcp", toSecretAgent.KeyAssertion(VectorKeyPair.Ed25519.Sign, "EdDSA")));

        await AssertRefusedAsync(hs256, HttpStatusCode.Unauthorized, "invalid_client", "private_key_jwt");
        await AssertRefusedAsync(edDsa, HttpStatusCode.Unauthorized, "invalid_client", "runtime secret");
    }

    [Fact]
    public async Task Token_ExpiredTooLongLivedOrOtherAudienceAssertion_IsInvalidClient()
    {
        await using var gw = await GovernedGateway.StartAsync(MessageSignatureTests.WithKey(VectorKeyPair.Ed25519));
        using var oauth = new OAuthClient(gw.Host.Client, gw.Bundle.AgentSecret);
        var ed = VectorKeyPair.Ed25519;

        using var expired = await oauth.RequestTokenAsync(oauth.TokenForm("/mcp", oauth.KeyAssertion(ed.Sign, ed.JwsAlgorithm, lifetime: TimeSpan.FromSeconds(-5))));
        using var tooLong = await oauth.RequestTokenAsync(oauth.TokenForm("/mcp", oauth.KeyAssertion(ed.Sign, ed.JwsAlgorithm, lifetime: TimeSpan.FromHours(1))));
        using var otherAudience = await oauth.RequestTokenAsync(oauth.TokenForm("/mcp", oauth.KeyAssertion(ed.Sign, ed.JwsAlgorithm, audience: "https://elsewhere.example/oauth/token")));
        using var tokenEndpoint = await oauth.RequestTokenAsync(oauth.TokenForm("/mcp", oauth.KeyAssertion(ed.Sign, ed.JwsAlgorithm, audience: oauth.Origin + "/oauth/token")));

        await AssertRefusedAsync(expired, HttpStatusCode.Unauthorized, "invalid_client", "expired");
        await AssertRefusedAsync(tooLong, HttpStatusCode.Unauthorized, "invalid_client", "expired");
        await AssertRefusedAsync(otherAudience, HttpStatusCode.Unauthorized, "invalid_client", "aud");
        Assert.Equal(HttpStatusCode.OK, tokenEndpoint.StatusCode);
    }

    [Fact]
    public async Task Token_ReplayedAssertion_IsInvalidGrant()
    {
        await using var gw = await GovernedGateway.StartAsync(MessageSignatureTests.WithKey(VectorKeyPair.Ed25519));
        using var oauth = new OAuthClient(gw.Host.Client, gw.Bundle.AgentSecret);
        var assertion = oauth.KeyAssertion(VectorKeyPair.Ed25519.Sign, "EdDSA");

        using var first = await oauth.RequestTokenAsync(oauth.TokenForm("/mcp", assertion));
        using var second = await oauth.RequestTokenAsync(oauth.TokenForm("/mcp", assertion));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await AssertRefusedAsync(second, HttpStatusCode.BadRequest, "invalid_grant", "used before");
    }

    [Fact]
    public async Task Token_AssertionSignedWithTheRetiredKey_IsInvalidClientAndTheNextKeyStillObtainsOne()
    {
        await using var gw = await GovernedGateway.StartAsync(Rotating);
        using var oauth = new OAuthClient(gw.Host.Client, gw.Bundle.AgentSecret);
        using (var retire = await gw.Admin().PostAsync("/admin/v1/tenants/demo/agents/demo-agent/retire-secret", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, retire.StatusCode);
        }

        using var retired = await oauth.RequestTokenAsync(oauth.TokenForm("/mcp", oauth.KeyAssertion(VectorKeyPair.Ed25519.Sign, "EdDSA")));
        using var next = await oauth.RequestTokenAsync(oauth.TokenForm("/mcp", oauth.KeyAssertion(VectorKeyPair.P256.Sign, "ES256")));

        await AssertRefusedAsync(retired, HttpStatusCode.Unauthorized, "invalid_client", "retired");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    private static HttpRequestMessage Initialize(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    /// <summary>An OAuth error <paramref name="error"/> whose description says <paramref name="why"/>, and no token.</summary>
    private static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string error, string why)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status} {error}, got {(int)response.StatusCode}: {text}");
        var json = JsonDocument.Parse(text).RootElement;
        Assert.Equal(error, json.GetProperty("error").GetString());
        Assert.Contains(why, json.GetProperty("error_description").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("access_token", text, StringComparison.Ordinal);
    }
}
