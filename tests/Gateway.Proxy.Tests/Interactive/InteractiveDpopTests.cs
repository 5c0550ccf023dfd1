using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Interactive;

/// <summary>
/// DPoP (RFC 9449) on the authorization-code grant: a proof on the code's exchange binds the access token (presented
/// as a bearer token it is refused at <c>/mcp</c>; with a fresh proof by the key it acts) and the refresh token (a
/// refresh proven by the same key rotates; one without a proof is refused and revokes the family).
/// </summary>
public sealed class InteractiveDpopTests(InteractiveGatewayFixture fixture) : IClassFixture<InteractiveGatewayFixture>
{
    private InteractiveGateway Gw => fixture.Gateway;

    [Fact]
    public async Task Exchange_WithAProof_BindsTheAccessAndTheRefreshTokenToTheKey()
    {
        using var oauth = new OAuthClient(Gw.Gateway.Host.Client, "no-secret-needed-here");
        using var browser = Gw.Browser();
        var (verifier, challenge) = InteractiveGateway.NewPkce();
        var (redirect, _) = await Gw.AuthorizeAsync(browser, "alice", [], challenge);

        var (status, tokens) = await TokenWithProofAsync(oauth, true, ("grant_type", "authorization_code"), ("client_id", InteractiveGateway.ClientId),
            ("code", InteractiveGateway.CodeOf(redirect)), ("redirect_uri", InteractiveGateway.LoopbackRedirect), ("code_verifier", verifier));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("DPoP", tokens.GetProperty("token_type").GetString());
        var access = tokens.GetProperty("access_token").GetString()!;
        using (var asBearer = await Gw.InitializeAsync(access))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, asBearer.StatusCode);
        }

        using (var withProof = await InitializeWithProofAsync(oauth, access))
        {
            Assert.Equal(HttpStatusCode.OK, withProof.StatusCode);
        }

        var (rotatedStatus, rotated) = await TokenWithProofAsync(oauth, true, ("grant_type", "refresh_token"), ("client_id", InteractiveGateway.ClientId),
            ("refresh_token", tokens.GetProperty("refresh_token").GetString()!));
        Assert.Equal(HttpStatusCode.OK, rotatedStatus);

        var (unprovenStatus, unproven) = await TokenWithProofAsync(oauth, false, ("grant_type", "refresh_token"), ("client_id", InteractiveGateway.ClientId),
            ("refresh_token", rotated.GetProperty("refresh_token").GetString()!));
        Assert.Equal(HttpStatusCode.BadRequest, unprovenStatus);
        Assert.Equal("invalid_grant", unproven.GetProperty("error").GetString());
        using var afterRevocation = await InitializeWithProofAsync(oauth, rotated.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.Unauthorized, afterRevocation.StatusCode);
    }

    [Fact]
    public async Task Token_DpopProofWithOverflowingIat_Is400InvalidDpopProofNot500()
    {
        using var oauth = new OAuthClient(Gw.Gateway.Host.Client, "no-secret-needed-here");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        // now - iat is 2^63 (long.MinValue once wrapped) on the gateway's clock in this second or the next.
        foreach (var second in new[] { now, now + 1 })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/token")
            {
                Content = new FormUrlEncodedContent([KeyValuePair.Create("grant_type", "authorization_code"), KeyValuePair.Create("client_id", InteractiveGateway.ClientId),
                    KeyValuePair.Create("code", "no-such-code"), KeyValuePair.Create("redirect_uri", InteractiveGateway.LoopbackRedirect), KeyValuePair.Create("code_verifier", "v")]),
            };
            request.Headers.Add("DPoP", oauth.Proof("POST", Gw.Origin + "/oauth/token", iat: second - long.MaxValue - 1));

            using var response = await Gw.Gateway.Host.Client.SendAsync(request);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("invalid_dpop_proof", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        }
    }

    private async Task<(HttpStatusCode Status, JsonElement Json)> TokenWithProofAsync(OAuthClient oauth, bool prove, params (string Name, string Value)[] fields)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/token") { Content = new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Name, f.Value))) };
        if (prove)
        {
            request.Headers.Add("DPoP", oauth.Proof("POST", Gw.Origin + "/oauth/token"));
        }

        using var response = await Gw.Gateway.Host.Client.SendAsync(request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private Task<HttpResponseMessage> InitializeWithProofAsync(OAuthClient oauth, string accessToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("DPoP", accessToken);
        request.Headers.Add("DPoP", oauth.Proof("POST", Gw.Resource, accessToken));
        return Gw.Gateway.Host.Client.SendAsync(request);
    }
}
