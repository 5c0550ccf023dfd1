using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Hosting;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;

namespace Gateway.Proxy.Tests.Interactive;

/// <summary>
/// The example bundle as <c>make run</c> serves it (Development): its demo agent accepts people's MCP clients
/// (<c>sign_in: development_admin_token</c>, dynamic registration, VS Code's metadata document). A client that registers
/// itself sends the person to authorize; the console's sign-in sends them to the admin-token page, which brings them
/// back to the consent page once signed in with the demo admin token; allowed, the client gets a code, then tokens that
/// act on <c>/mcp</c>. The admin-token page returns to nothing but the tenant's consent page; outside Development the
/// same bundle's block is inert (no registration, no metadata documents, the client unknown).
/// </summary>
public sealed class DemoInteractiveTests
{
    private const string Redirect = "http://127.0.0.1:40123/callback";
    private const string RegistrationBody = """{"client_name":"IDE","redirect_uris":["http://127.0.0.1/callback"],"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],"response_types":["code"]}""";

    [Fact]
    public async Task DemoBundle_Development_RegisteredClientSignsInWithTheAdminTokenAndActsOnMcp()
    {
        await using var gw = await GovernedGateway.StartAsync();
        using var browser = Browser(gw.Host.BaseAddress);
        var metadata = JsonDocument.Parse(await gw.Host.Client.GetStringAsync("/.well-known/oauth-authorization-server")).RootElement;
        Assert.True(metadata.GetProperty("client_id_metadata_document_supported").GetBoolean());
        var clientId = await RegisterAsync(gw, metadata.GetProperty("registration_endpoint").GetString()!);
        var (verifier, challenge) = InteractiveGateway.NewPkce();

        using var start = await browser.GetAsync(QueryHelpers.AddQueryString("/oauth/authorize", new Dictionary<string, string?>
        {
            ["response_type"] = "code", ["client_id"] = clientId, ["redirect_uri"] = Redirect, ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256", ["resource"] = new Uri(gw.Host.BaseAddress, "/mcp").ToString(), ["state"] = "s1",
        }));
        var consentPath = start.Headers.Location!.OriginalString;
        using var toSignIn = await browser.GetAsync(consentPath);
        using var toForm = await browser.GetAsync(toSignIn.Headers.Location!.OriginalString);
        var formPath = toForm.Headers.Location!.OriginalString;
        using var form = await browser.GetAsync(formPath);
        var html = await form.Content.ReadAsStringAsync();
        using var signedIn = await browser.SendAsync(PostForm("/console/demo/token-sign-in", Cookie(form, "gamut_console_token_form"), new Dictionary<string, string>
        {
            ["check"] = Hidden(html, "check")!, ["return"] = WebUtility.HtmlDecode(Hidden(html, "return")!), ["token"] = GovernedGateway.AdminToken,
        }));
        var session = Cookie(signedIn, "gamut_console");
        using var page = await browser.SendAsync(Get(consentPath, session));
        var consent = await page.Content.ReadAsStringAsync();
        using var allowed = await browser.SendAsync(PostForm("/console/demo/authorize", session, new Dictionary<string, string>
        {
            ["csrf"] = Hidden(consent, "csrf")!, ["request"] = Hidden(consent, "request")!, ["decision"] = "approve",
        }));
        using var token = await gw.Host.Client.PostAsync("/oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["client_id"] = clientId, ["code"] = InteractiveGateway.CodeOf(allowed.Headers.Location!),
            ["redirect_uri"] = Redirect, ["code_verifier"] = verifier,
        }));
        var tokens = JsonDocument.Parse(await token.Content.ReadAsStringAsync()).RootElement;

        Assert.StartsWith("/console/demo/authorize?request=", consentPath, StringComparison.Ordinal);
        Assert.Equal("/console/demo/token-sign-in?return=" + Uri.EscapeDataString(consentPath), formPath);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal(consentPath, signedIn.Headers.Location!.OriginalString);
        Assert.True(page.StatusCode == HttpStatusCode.OK, consent);
        Assert.Contains("demo-agent", consent, StringComparison.Ordinal);
        Assert.StartsWith(Redirect + "?code=", allowed.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.True(token.StatusCode == HttpStatusCode.OK, tokens.ToString());
        Assert.True(tokens.TryGetProperty("refresh_token", out _));
        using var mcp = await McpInitializeAsync(gw, tokens.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, mcp.StatusCode);
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("/console/demo/audit")]
    [InlineData("/console/other/authorize?request=abc")]
    public async Task TokenSignIn_ReturnNotTheTenantsConsentPage_IsRefused(string returnTo)
    {
        await using var gw = await GovernedGateway.StartAsync();
        using var browser = Browser(gw.Host.BaseAddress);

        using var form = await browser.GetAsync("/console/demo/token-sign-in?return=" + Uri.EscapeDataString(returnTo));
        using var opened = await browser.GetAsync("/console/demo/token-sign-in");
        using var post = await browser.SendAsync(PostForm("/console/demo/token-sign-in", Cookie(opened, "gamut_console_token_form"), new Dictionary<string, string>
        {
            ["check"] = Hidden(await opened.Content.ReadAsStringAsync(), "check")!, ["return"] = returnTo, ["token"] = GovernedGateway.AdminToken,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, form.StatusCode);
        Assert.Contains("console_return_invalid", await form.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
        Assert.Contains("console_return_invalid", await post.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DemoBundle_OutsideDevelopment_ItsInteractiveBlockIsInert()
    {
        await using var gw = await GovernedGateway.StartAsync(environment: Environments.Production);

        var metadata = JsonDocument.Parse(await gw.Host.Client.GetStringAsync("/.well-known/oauth-authorization-server")).RootElement;
        using var register = await gw.Host.Client.PostAsync("/oauth/register", new StringContent(RegistrationBody, Encoding.UTF8, "application/json"));
        var (_, challenge) = InteractiveGateway.NewPkce();
        using var authorize = await gw.Host.Client.GetAsync(QueryHelpers.AddQueryString("/oauth/authorize", new Dictionary<string, string?>
        {
            ["response_type"] = "code", ["client_id"] = "https://vscode.dev/oauth/client-metadata.json", ["redirect_uri"] = "https://vscode.dev/redirect",
            ["code_challenge"] = challenge, ["code_challenge_method"] = "S256", ["resource"] = metadata.GetProperty("issuer").GetString() + "/mcp", ["state"] = "s1",
        }));

        Assert.False(metadata.TryGetProperty("registration_endpoint", out _));
        Assert.False(metadata.GetProperty("client_id_metadata_document_supported").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, register.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, authorize.StatusCode);
        Assert.Contains("invalid_client", await authorize.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<string> RegisterAsync(GovernedGateway gw, string endpoint)
    {
        using var response = await gw.Host.Client.PostAsync(new Uri(endpoint).PathAndQuery, new StringContent(RegistrationBody, Encoding.UTF8, "application/json"));
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(response.StatusCode == HttpStatusCode.Created, json.ToString());
        return json.GetProperty("client_id").GetString()!;
    }

    private static async Task<HttpResponseMessage> McpInitializeAsync(GovernedGateway gw, string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        return await gw.Host.Client.SendAsync(request);
    }
}
