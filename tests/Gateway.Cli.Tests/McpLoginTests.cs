using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;

namespace Gateway.Cli.Tests;

/// <summary>
/// <c>gatewayctl mcp login</c> against the real gateway on Kestrel (Development: the person signs in to the console with
/// an admin token, the demo agent accepting the CLI as an interactive client for that person): the browser's part is
/// played by HTTP requests with cookies, up to the redirect to the CLI's own loopback listener; the token it prints acts
/// on /mcp. An answer naming another issuer, or an error, is refused.
/// </summary>
public sealed class McpLoginTests
{
    private const string ClientId = "gatewayctl-tests";

    [Fact]
    public async Task McpLogin_PersonAllowsTheClient_PrintsATokenThatActsOnMcp()
    {
        await using var gw = await StartAsync();
        var error = new UrlSpottingWriter();
        var output = new StringWriter();
        var console = new CliConsole(output, error, new StringReader(string.Empty), false, _ => null);

        var run = GatewayCli.RunAsync(["mcp", "login", "--client-id", ClientId, "--no-browser", "--timeout", "60", "--url", gw.BaseAddress.ToString()], console);
        var authorize = await error.Url.WaitAsync(TimeSpan.FromSeconds(30));
        var callback = await ConsentAsync(gw, authorize);
        using (var loopback = new HttpClient())
        {
            using var answered = await loopback.GetAsync(callback);
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        }

        var code = await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(code == 0, error.ToString());
        var token = output.ToString().Trim();
        Assert.Equal(3, token.Split('.').Length);
        using var http = new HttpClient { BaseAddress = gw.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var initialized = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, initialized.StatusCode);
        Assert.Contains("protocolVersion", await initialized.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task McpLogin_AnswerFromAnotherIssuer_IsRefused()
    {
        await using var gw = await StartAsync();
        var error = new UrlSpottingWriter();
        var console = new CliConsole(new StringWriter(), error, new StringReader(string.Empty), false, _ => null);

        var run = GatewayCli.RunAsync(["mcp", "login", "--client-id", ClientId, "--no-browser", "--timeout", "60", "--url", gw.BaseAddress.ToString()], console);
        var authorize = new Uri(await error.Url.WaitAsync(TimeSpan.FromSeconds(30)));
        var query = System.Web.HttpUtility.ParseQueryString(authorize.Query);
        using (var loopback = new HttpClient())
        {
            using var answered = await loopback.GetAsync(query["redirect_uri"] + "?code=x&state=" + Uri.EscapeDataString(query["state"]!) + "&iss=https%3A%2F%2Fevil.example");
        }

        var code = await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, code);
        Assert.Contains("issuer_mismatch", error.ToString(), StringComparison.Ordinal);
    }

    private static Task<DemoGateway> StartAsync() => DemoGateway.StartAsync(text => global::Gateway.Testing.DemoInteractiveBlock.Remove(text)
        .Replace("    secret: file:secrets/demo-agent.secret\n", $"    secret: file:secrets/demo-agent.secret\n    interactive:\n      workspace: ws-demo\n      sign_in: development_admin_token\n      people: [\"admin-token:bootstrap\"]\n      clients:\n        - {{ client_id: {ClientId}, redirect_uris: [\"http://127.0.0.1/callback\"] }}\n", StringComparison.Ordinal));

    /// <summary>The browser's part: sign in to the console with the admin token, open the authorization URL, allow; the redirect to the CLI.</summary>
    private static async Task<string> ConsentAsync(DemoGateway gw, string authorize)
    {
        using var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = gw.BaseAddress };
        using var form = await browser.GetAsync("/console/demo/token-sign-in");
        var check = Hidden(await form.Content.ReadAsStringAsync(), "check");
        using var signIn = await browser.SendAsync(Post("/console/demo/token-sign-in", Cookie(form, "gamut_console_token_form"), new() { ["check"] = check, ["token"] = DemoGateway.AdminToken }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var session = Cookie(signIn, "gamut_console");

        using var start = await browser.GetAsync(authorize);
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        using var consentRequest = new HttpRequestMessage(HttpMethod.Get, start.Headers.Location!.OriginalString);
        consentRequest.Headers.Add("Cookie", session);
        using var consent = await browser.SendAsync(consentRequest);
        var html = await consent.Content.ReadAsStringAsync();
        Assert.True(consent.StatusCode == HttpStatusCode.OK, html);
        using var allowed = await browser.SendAsync(Post("/console/demo/authorize", session, new() { ["csrf"] = Hidden(html, "csrf"), ["request"] = Hidden(html, "request"), ["decision"] = "approve" }));
        Assert.Equal(HttpStatusCode.Redirect, allowed.StatusCode);
        return allowed.Headers.Location!.OriginalString;
    }

    private static HttpRequestMessage Post(string path, string cookie, Dictionary<string, string> fields)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("Cookie", cookie);
        return request;
    }

    private static string Cookie(HttpResponseMessage response, string name) =>
        response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith(name + "=", StringComparison.Ordinal));

    private static string Hidden(string html, string name) =>
        WebUtility.HtmlDecode(Regex.Match(html, "name=\"" + Regex.Escape(name) + "\" value=\"([^\"]+)\"").Groups[1].Value);

    /// <summary>Standard error that completes <see cref="Url"/> with the authorization URL once the command prints it.</summary>
    private sealed class UrlSpottingWriter : StringWriter
    {
        private readonly TaskCompletionSource<string> _url = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<string> Url => _url.Task;

        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value is not null && Regex.Match(value, "https?://\\S+/oauth/authorize\\?\\S+") is { Success: true } match)
            {
                _url.TrySetResult(match.Value);
            }
        }
    }
}
