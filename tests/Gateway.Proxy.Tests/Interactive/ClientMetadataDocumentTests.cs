using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Gateway.Proxy.Tests.Interactive;

/// <summary>
/// Clients identified by a client ID metadata document, served by a real Kestrel server on loopback (allowed by
/// <c>Gateway:AccessTokens:AllowInternalClientMetadataDocuments</c>) and listed by URL in the demo agent's
/// <c>interactive.clients</c>: a good document's redirect URI is accepted and the whole flow gives a token; a document
/// whose <c>client_id</c> differs from its URL, one naming a redirect URI on another host, one that is not there, and a
/// redirect URI the document does not name are refused with 400 and nothing redirected; so is a document escaping a lone
/// surrogate.
/// </summary>
public sealed class ClientMetadataDocumentTests : IAsyncLifetime
{
    private KestrelUpstream _documents = null!;
    private InteractiveGateway _gw = null!;

    private string Good => _documents.Origin + "/good.json";

    public async Task InitializeAsync()
    {
        _documents = await KestrelUpstream.StartAsync(app =>
        {
            app.MapGet("/good.json", (HttpContext c) => Results.Json(new { client_id = Origin(c) + "/good.json", client_name = "Good IDE", redirect_uris = new[] { InteractiveGateway.LoopbackRedirect } }));
            app.MapGet("/mismatch.json", (HttpContext c) => Results.Json(new { client_id = Origin(c) + "/good.json", redirect_uris = new[] { InteractiveGateway.LoopbackRedirect } }));
            app.MapGet("/foreign.json", (HttpContext c) => Results.Json(new { client_id = Origin(c) + "/foreign.json", redirect_uris = new[] { "https://attacker.example/cb" } }));
            // A client_name escaping a lone surrogate: no text, so no document (never a 500).
            app.MapGet("/surrogate.json", (HttpContext c) => Results.Text(
                $"{{\"client_id\":\"{Origin(c)}/surrogate.json\",\"client_name\":\"\\ud800\",\"redirect_uris\":[\"{InteractiveGateway.LoopbackRedirect}\"]}}",
                "application/json"));
            app.MapGet("/confidential.json", (HttpContext c) => Results.Json(new { client_id = Origin(c) + "/confidential.json", token_endpoint_auth_method = "client_secret_basic", redirect_uris = new[] { InteractiveGateway.LoopbackRedirect } }));
        });
        var origin = _documents.Origin;
        // The documents are on loopback: allowed here only (refused by default: ClientMetadataDocumentAddressTests).
        _gw = await InteractiveGateway.StartAsync(
            dynamicRegistration: false,
            [
                $"{{ client_id: \"{origin}/good.json\" }}",
                $"{{ client_id: \"{origin}/mismatch.json\" }}",
                $"{{ client_id: \"{origin}/foreign.json\" }}",
                $"{{ client_id: \"{origin}/confidential.json\" }}",
                $"{{ client_id: \"{origin}/missing.json\" }}",
                $"{{ client_id: \"{origin}/surrogate.json\" }}",
            ],
            settings: new Dictionary<string, string?> { ["Gateway:AccessTokens:AllowInternalClientMetadataDocuments"] = "true" });
    }

    public async Task DisposeAsync()
    {
        await _gw.DisposeAsync();
        await _documents.DisposeAsync();
    }

    [Fact]
    public async Task Authorize_GoodDocument_TheFlowGivesATokenForTheDocumentsClient()
    {
        using var browser = _gw.Browser();
        var (verifier, challenge) = InteractiveGateway.NewPkce();

        var (redirect, _) = await _gw.AuthorizeAsync(browser, "alice", [], challenge, clientId: Good);
        var (status, json) = await _gw.TokenAsync(("grant_type", "authorization_code"), ("client_id", Good), ("code", InteractiveGateway.CodeOf(redirect)),
            ("redirect_uri", InteractiveGateway.LoopbackRedirect), ("code_verifier", verifier));

        Assert.Equal(HttpStatusCode.OK, status);
        using var mcp = await _gw.InitializeAsync(json.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, mcp.StatusCode);
        var metadata = JsonDocument.Parse(await _gw.Gateway.Host.Client.GetStringAsync("/.well-known/oauth-authorization-server")).RootElement;
        Assert.True(metadata.GetProperty("client_id_metadata_document_supported").GetBoolean());
    }

    [Theory]
    [InlineData("/mismatch.json", InteractiveGateway.LoopbackRedirect)]
    [InlineData("/foreign.json", "https://attacker.example/cb")]
    [InlineData("/confidential.json", InteractiveGateway.LoopbackRedirect)]
    [InlineData("/missing.json", InteractiveGateway.LoopbackRedirect)]
    [InlineData("/surrogate.json", InteractiveGateway.LoopbackRedirect)]
    public async Task Authorize_DocumentThatDoesNotHold_IsRefusedWithoutRedirect(string path, string redirectUri)
    {
        using var browser = _gw.Browser();

        using var response = await browser.GetAsync(_gw.AuthorizeUrl(InteractiveGateway.NewPkce().Challenge, redirectUri, clientId: _documents.Origin + path));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_client", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Authorize_RedirectUriTheDocumentDoesNotName_IsRefusedWithoutRedirect()
    {
        using var browser = _gw.Browser();

        using var response = await browser.GetAsync(_gw.AuthorizeUrl(InteractiveGateway.NewPkce().Challenge, InteractiveGateway.WebRedirect, clientId: Good));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        Assert.False(QueryHelpers.ParseQuery(response.Headers.Location?.Query ?? string.Empty).ContainsKey("code"));
    }

    private static string Origin(HttpContext context) => context.Request.Scheme + "://" + context.Request.Host;
}
