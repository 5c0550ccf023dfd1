using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Console;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Proxy.Tests.Mcp;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;

namespace Gateway.Proxy.Tests.Interactive;

/// <summary>
/// The MCP gateway (<see cref="McpGateway"/>: the notes and files servers) with the demo tenant's OpenID provider a
/// <see cref="TestOpenIdProvider"/> and the demo agent accepting the interactive client <see cref="ClientId"/> for person
/// <c>alice</c> and group <c>engineers</c>; and a person's client without a browser: the authorization request, the
/// console's sign-in at the provider, the consent, the code's exchange.
/// </summary>
public sealed class InteractiveGateway : IAsyncDisposable
{
    public const string ClientId = "test-ide";
    public const string LoopbackRedirect = "http://127.0.0.1/callback";
    public const string WebRedirect = "https://client.example/cb";

    private InteractiveGateway(McpGateway mcp, TestOpenIdProvider provider)
    {
        Mcp = mcp;
        Provider = provider;
    }

    public McpGateway Mcp { get; }

    public TestOpenIdProvider Provider { get; }

    public GovernedGateway Gateway => Mcp.Gateway;

    public string Origin => Gateway.Host.BaseAddress.GetLeftPart(UriPartial.Authority);

    public string Resource => Origin + "/mcp";

    /// <summary>The refresh token the provider issues beside the ID token at a sign-in (none when null).</summary>
    public string? ProviderRefreshToken { get; set; }

    /// <summary>The lifetime of the ID token the provider issues at a sign-in (its default when null).</summary>
    public TimeSpan? IdTokenLifetime { get; set; }

    /// <summary>The provider session (<c>sid</c>) the ID token carries at a sign-in (none when null).</summary>
    public string? IdTokenSid { get; set; }

    /// <summary>The ID token the provider issued at the last sign-in.</summary>
    public string? LastIdToken { get; private set; }

    /// <summary>Starts the provider and the gateway; <paramref name="extraClients"/> are more entries of the demo agent's <c>interactive.clients</c>.</summary>
    public static Task<InteractiveGateway> StartAsync(params string[] extraClients) => StartAsync(dynamicRegistration: false, extraClients);

    /// <summary>
    /// As <see cref="StartAsync(string[])"/>, the demo agent also accepting clients that register themselves when
    /// <paramref name="dynamicRegistration"/>, its block declaring <paramref name="scopes"/> (a YAML flow mapping, e.g.
    /// <c>{ files: [files] }</c>) when given, with more configuration <paramref name="settings"/>, the bundle's text
    /// changed by <paramref name="rewrite"/> and the host by <paramref name="configure"/> when given.
    /// </summary>
    public static async Task<InteractiveGateway> StartAsync(bool dynamicRegistration, string[] extraClients, string? scopes = null, IReadOnlyDictionary<string, string?>? settings = null,
        Func<string, string>? rewrite = null, Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure = null)
    {
        var provider = await TestOpenIdProvider.StartAsync();
        var mcp = await McpGateway.StartAsync(
            text => (rewrite ?? (static t => t))(global::Gateway.Testing.DemoInteractiveBlock.Remove(text)
                .Replace("workspaces: [ws-demo]\n", "workspaces: [ws-demo]\n" + provider.BundleSection(), StringComparison.Ordinal)
                .Replace("    secret: file:secrets/demo-agent.secret\n", $$"""
                    secret: file:secrets/demo-agent.secret
                    interactive:
                      workspace: ws-demo
                      people: [alice]
                      groups: [engineers]
                      max_session: 8h
                {{(dynamicRegistration ? "      dynamic_registration: true" : string.Empty)}}
                {{(scopes is null ? string.Empty : "      scopes: " + scopes)}}
                      clients:
                        - { client_id: {{ClientId}}, redirect_uris: ["{{LoopbackRedirect}}", "{{WebRedirect}}"] }
                {{string.Concat(extraClients.Select(c => "        - " + c + "\n"))}}
                """.Replace("\r", string.Empty), StringComparison.Ordinal)),
            ConsoleOidcSignIn.DemoRoles.Select(p => KeyValuePair.Create(p.Key, (string?)p.Value)).Concat(settings ?? new Dictionary<string, string?>()).ToDictionary(),
            configure);
        using var put = await mcp.Gateway.Admin().PutAsync("/admin/v1/tenants/demo/credentials/oidc-client",
            new StringContent(JsonSerializer.Serialize(new { value = TestOpenIdProvider.ClientSecret }), Encoding.UTF8, "application/json"));
        put.EnsureSuccessStatusCode();
        return new InteractiveGateway(mcp, provider);
    }

    public HttpClient Browser() => ConsoleHttp.Browser(Gateway.Host.BaseAddress);

    /// <summary>A fresh PKCE verifier and its S256 challenge.</summary>
    public static (string Verifier, string Challenge) NewPkce()
    {
        var verifier = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    /// <summary>The authorization request's URL; each parameter can be changed (null leaves it out).</summary>
    public string AuthorizeUrl(string? challenge, string? redirectUri = LoopbackRedirect, string? method = "S256", string? resource = "", string? responseType = "code", string clientId = ClientId, string state = "st-1", string? scope = null)
    {
        var query = new Dictionary<string, string?>
        {
            ["response_type"] = responseType,
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = method,
            ["resource"] = resource == string.Empty ? Resource : resource,
            ["state"] = state,
            ["scope"] = scope,
        };
        return QueryHelpers.AddQueryString("/oauth/authorize", query.Where(p => p.Value is not null)!);
    }

    /// <summary>
    /// Runs the whole front channel for <paramref name="subject"/> (signing in at the provider when <paramref name="session"/>
    /// is null, then consenting): the redirect back to the client, and the console session. <paramref name="consentPage"/>,
    /// when given, receives the consent page's HTML (not called when no page is shown).
    /// </summary>
    public async Task<(Uri Redirect, string Session)> AuthorizeAsync(HttpClient browser, string subject, string[] groups, string challenge, string? session = null, string redirectUri = LoopbackRedirect, string clientId = ClientId, string? scope = null, Action<string>? consentPage = null)
    {
        using var start = await browser.GetAsync(AuthorizeUrl(challenge, redirectUri, clientId: clientId, scope: scope));
        Assert.True(start.StatusCode == HttpStatusCode.Redirect, await start.Content.ReadAsStringAsync());
        var consentPath = start.Headers.Location!.OriginalString;
        if (consentPath.StartsWith("/console/authorize?request=", StringComparison.Ordinal))
        {
            // Several tenants accept the client: the person chooses theirs (the demo tenant), or their session does.
            consentPath = await ChooseDemoAsync(browser, consentPath, session);
        }

        Assert.StartsWith("/console/demo/authorize?request=", consentPath, StringComparison.Ordinal);
        session ??= await SignInAsync(browser, consentPath, subject, groups);

        using var page = await browser.SendAsync(Get(consentPath, session));
        if (page.StatusCode == HttpStatusCode.Redirect)
        {
            // Remembered consent, or a refusal sent back to the client: no page.
            return (page.Headers.Location!, session);
        }

        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, html);
        consentPage?.Invoke(html);
        using var decided = await browser.SendAsync(PostForm("/console/demo/authorize", session, new Dictionary<string, string>
        {
            ["csrf"] = Hidden(html, "csrf")!,
            ["request"] = Hidden(html, "request")!,
            ["agent"] = Hidden(html, "agent")!,
            ["decision"] = "approve",
        }));
        Assert.Equal(HttpStatusCode.Redirect, decided.StatusCode);
        return (decided.Headers.Location!, session);
    }

    /// <summary>
    /// The page that asks which tenant a person signs in to, for a client several tenants accept: with a session of one
    /// of them, straight on to its consent page; else the demo tenant's link, beside <paramref name="others"/>' links.
    /// </summary>
    public async Task<string> ChooseDemoAsync(HttpClient browser, string choicePath, string? session, params string[] others)
    {
        using var page = await browser.SendAsync(Get(choicePath, session));
        if (page.StatusCode == HttpStatusCode.Redirect)
        {
            return page.Headers.Location!.OriginalString;
        }

        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, html);
        var request = choicePath["/console/authorize?request=".Length..];
        foreach (var tenant in others)
        {
            Assert.Contains($"href=\"/console/{tenant}/authorize?request={request}\"", html, StringComparison.Ordinal);
        }

        Assert.Contains($"href=\"/console/demo/authorize?request={request}\"", html, StringComparison.Ordinal);
        return "/console/demo/authorize?request=" + request;
    }

    /// <summary>
    /// Adds the tenant <c>globex</c> (signing in at the same provider, its agent listing <c>alice</c> too, and <c>zed</c>, whom the demo agent does not list) whose agent's
    /// <c>interactive:</c> block ends with <paramref name="interactiveTail"/> (its clients, its dynamic registration), and
    /// reloads the bundle.
    /// </summary>
    public async Task AddGlobexAsync(string interactiveTail)
    {
        var text = $$"""
            tenant: globex
            workspaces: [ws-globex]
            approvers: [{ id: gina }]
            {{Provider.BundleSection()}}
            catalog:
              - { name: globex.read, kind: http, action_type: read, upstream: "http://127.0.0.1:1/r", credential: none, data_classes: [internal] }
            agents:
              - id: globex-agent
                human_owner: h@example.com
                security_owner: gina
                atf_level: L3
                permissions: [{ tool: globex.read }]
                interactive:
                  workspace: ws-globex
                  people: [alice, zed]

            """.Replace("\r", string.Empty) + string.Concat(interactiveTail.Split('\n').Select(l => "      " + l + "\n"));
        await File.WriteAllTextAsync(Path.Combine(Gateway.Bundle.Directory, "globex.yaml"), text);
        Assert.Empty(await Gateway.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync());
    }

    /// <summary>The console's sign-in, started from the consent page, for <paramref name="subject"/>: the session cookie.</summary>
    public async Task<string> SignInAsync(HttpClient browser, string consentPath, string subject, string[] groups)
    {
        using var toSignIn = await browser.GetAsync(consentPath);
        Assert.Equal(HttpStatusCode.Redirect, toSignIn.StatusCode);
        var signInPath = toSignIn.Headers.Location!.OriginalString;
        Assert.StartsWith("/console/demo/sign-in?return=", signInPath, StringComparison.Ordinal);
        using var toProvider = await browser.GetAsync(signInPath);
        Assert.Equal(HttpStatusCode.Redirect, toProvider.StatusCode);
        var query = QueryHelpers.ParseQuery(toProvider.Headers.Location!.Query);
        var stateCookie = Cookie(toProvider, "gamut_console_state");
        LastIdToken = Provider.Issue(subject, groups, audience: TestOpenIdProvider.ClientId, nonce: query["nonce"].ToString(), lifetime: IdTokenLifetime, sid: IdTokenSid);
        var answer = new Dictionary<string, string> { ["id_token"] = LastIdToken };
        if (ProviderRefreshToken is not null)
        {
            answer["refresh_token"] = ProviderRefreshToken;
        }

        Provider.TokenAnswer = (200, JsonSerializer.Serialize(answer));
        using var callback = await browser.SendAsync(Get($"/console/demo/callback?state={query["state"]}&code=the-code", stateCookie));
        Assert.True(callback.StatusCode == HttpStatusCode.Redirect, await callback.Content.ReadAsStringAsync());
        Assert.Equal(consentPath, callback.Headers.Location!.OriginalString);
        return Cookie(callback, "gamut_console");
    }

    /// <summary>POSTs the token endpoint's form.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Json)> TokenAsync(params (string Name, string Value)[] fields)
    {
        using var response = await Gateway.Host.Client.PostAsync("/oauth/token", new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Name, f.Value))));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    /// <summary>Exchanges the code in <paramref name="redirect"/>.</summary>
    public Task<(HttpStatusCode Status, JsonElement Json)> ExchangeAsync(Uri redirect, string verifier, string redirectUri = LoopbackRedirect) =>
        TokenAsync(("grant_type", "authorization_code"), ("client_id", ClientId), ("code", CodeOf(redirect)), ("redirect_uri", redirectUri), ("code_verifier", verifier));

    /// <summary>The whole flow for <paramref name="subject"/>: the token answer (access and refresh token).</summary>
    public async Task<JsonElement> SignInAndExchangeAsync(string subject, string[]? groups = null)
    {
        using var browser = Browser();
        var (verifier, challenge) = NewPkce();
        var (redirect, _) = await AuthorizeAsync(browser, subject, groups ?? [], challenge);
        var (status, json) = await ExchangeAsync(redirect, verifier);
        Assert.True(status == HttpStatusCode.OK, json.ToString());
        return json;
    }

    public static string CodeOf(Uri redirect) => QueryHelpers.ParseQuery(redirect.Query)["code"].ToString();

    /// <summary>An MCP session with <paramref name="token"/>, then one <c>tools/call</c> in it: that answer.</summary>
    public async Task<HttpResponseMessage> CallToolAsync(string token, string tool, string arguments)
    {
        using var initialized = await InitializeAsync(token);
        Assert.Equal(HttpStatusCode.OK, initialized.StatusCode);
        var sessionId = initialized.Headers.GetValues("Mcp-Session-Id").Single();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":""" + JsonSerializer.Serialize(tool) + ""","arguments":""" + arguments + "}}", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.TryAddWithoutValidation("Mcp-Session-Id", sessionId);
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-06-18");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await Gateway.Host.Client.SendAsync(request);
    }

    /// <summary>POSTs an MCP <c>initialize</c> to /mcp with <paramref name="accessToken"/>: the status.</summary>
    public async Task<HttpResponseMessage> InitializeAsync(string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await Gateway.Host.Client.SendAsync(request);
    }

    /// <summary>The official .NET MCP client of <c>/mcp</c>, every request carrying <paramref name="accessToken"/> as a bearer token.</summary>
    public Task<McpClient> ConnectAsync(string accessToken)
    {
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = new Uri(Gateway.Host.BaseAddress, "/mcp"), TransportMode = HttpTransportMode.StreamableHttp },
            new HttpClient(new BearerHandler(accessToken) { InnerHandler = new HttpClientHandler() }),
            ownsHttpClient: true);
        return McpClient.CreateAsync(transport, new McpClientOptions { ClientInfo = new Implementation { Name = "interactive-tests", Version = "1.0" } });
    }

    /// <summary>The demo tenant's audit records, through the admin API.</summary>
    public async Task<List<JsonElement>> AllAuditRecordsAsync()
    {
        var page = JsonDocument.Parse(await Gateway.Admin().GetStringAsync("/admin/v1/tenants/demo/audit?start=0&limit=1000")).RootElement.Clone();
        return [.. page.GetProperty("records").EnumerateArray()];
    }

    public async ValueTask DisposeAsync()
    {
        await Mcp.DisposeAsync();
        await Provider.DisposeAsync();
    }
}

/// <summary>Adds <c>Authorization: Bearer</c> to every request.</summary>
internal sealed class BearerHandler(string token) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return base.SendAsync(request, cancellationToken);
    }
}
