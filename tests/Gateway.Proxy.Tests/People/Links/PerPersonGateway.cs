using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.People.Links;
using Gateway.Proxy.Tests.Console;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Gateway.Proxy.Tests.People.Links;

/// <summary>
/// The governed gateway with crm.read_contact acting as the person's own account at a <see cref="TestAuthorizationServer"/>
/// (<c>credential: per_person</c>, the gateway's pre-registered client secret in the vault), the tenant's OpenID provider a
/// <see cref="TestOpenIdProvider"/> (people sign in to the console through it), and every log line captured.
/// </summary>
internal sealed class PerPersonGateway : IAsyncDisposable
{
    public const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";
    private const string ContactsBinding = "    http: { method: GET, path: \"/contacts/{id}\", args: query }";

    private PerPersonGateway(PersonGateway people, TestAuthorizationServer server, FakeLogCollector logs)
    {
        People = people;
        Server = server;
        Logs = logs;
    }

    public PersonGateway People { get; }

    public GovernedGateway Gateway => People.Gateway;

    public TestAuthorizationServer Server { get; }

    public FakeLogCollector Logs { get; }

    /// <summary>The person section the bundle gets, with <c>{server}</c> standing for the authorization server's issuer.</summary>
    public static string PreRegistered { get; } =
        "{ credential: per_person, authorization_server: \"{server}\", client: { id: " + TestAuthorizationServer.ClientId + ", secret: \"vault:tracker-client\" }, scopes: [issues.read] }";

    /// <summary>Starts the server and the gateway (<paramref name="configure"/>, when given, runs on its builder after the log capture).</summary>
    public static async Task<PerPersonGateway> StartAsync(string? person = null, Action<WebApplicationBuilder>? configure = null)
    {
        var server = await TestAuthorizationServer.StartAsync();
        var logs = new FakeLogCollector();
        var section = (person ?? PreRegistered).Replace("{server}", server.Issuer, StringComparison.Ordinal);
        var people = await PersonGateway.StartAsync(
            text => text.Replace(ContactsBinding, "    person: " + section + "\n" + ContactsBinding, StringComparison.Ordinal),
            ConsoleOidcSignIn.DemoRoles,
            (WebApplicationBuilder builder) =>
            {
                builder.Logging.AddProvider(new FakeLoggerProvider(logs));
                configure?.Invoke(builder);
            });
        using var put = await people.Gateway.Admin().PutAsync("/admin/v1/tenants/demo/credentials/tracker-client",
            new StringContent(JsonSerializer.Serialize(new { value = TestAuthorizationServer.ClientSecret }), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        return new PerPersonGateway(people, server, logs);
    }

    /// <summary>Calls crm.read_contact as the demo agent acting for <paramref name="subject"/>.</summary>
    public Task<HttpResponseMessage> CallAsync(string subject, string contact = "c-1") =>
        People.PostAsPersonAsync("/v1/actions/invoke-tool", ReadContact.Replace("c-1", contact, StringComparison.Ordinal), People.Provider.Issue(subject));

    /// <summary>The <c>link_url</c> of a refusal, as a path and query on the gateway.</summary>
    public static async Task<string> LinkPathAsync(HttpResponseMessage refusal)
    {
        using var body = JsonDocument.Parse(await refusal.Content.ReadAsStringAsync());
        var url = new Uri(body.RootElement.GetProperty("link_url").GetString()!);
        return url.PathAndQuery;
    }

    /// <summary>The key of <paramref name="subject"/>'s link to crm.read_contact.</summary>
    public LinkedAccountKey KeyOf(string subject) => new("demo", People.Provider.Issuer, subject, "crm.read_contact");

    /// <summary>What a link made now at the server as the pre-registered client is bound to (crm.read_contact's upstream, no resource).</summary>
    public LinkBinding Binding => new(Server.Issuer, TestAuthorizationServer.ClientId, Gateway.Upstream.Origin, Resource: null);

    /// <summary>Rewrites the bundle with <paramref name="change"/> (which must change it) and reloads it.</summary>
    public async Task ReloadAsync(Func<string, string> change)
    {
        var before = await File.ReadAllTextAsync(Gateway.Bundle.MainFile);
        Assert.NotEqual(before, change(before));
        Gateway.Bundle.Rewrite(change);
        Assert.Empty(await Gateway.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync());
    }

    /// <summary>Stores <paramref name="subject"/>'s link again with its access token expired a minute ago (the tokens and all else kept).</summary>
    public async Task ExpireLinkAsync(string subject)
    {
        var links = Gateway.Host.Services.GetRequiredService<LinkedAccounts>();
        var account = await links.GetAsync(KeyOf(subject), CancellationToken.None);
        Assert.NotNull(account);
        await links.StoreAsync(KeyOf(subject), account with { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) }, CancellationToken.None);
    }

    /// <summary>
    /// Follows a link as <paramref name="subject"/>'s browser (signed in to the console): the link page, the console's link
    /// page, the server's authorization endpoint (consent at once) and back through the callback; the callback's answer.
    /// <paramref name="beforeCallback"/>, when given, runs once the server has answered, before the browser goes back;
    /// <paramref name="beforeCallbackWithState"/> likewise, given the flow's <c>state</c>.
    /// </summary>
    public async Task<HttpResponseMessage> FollowLinkAsync(
        string linkPath, string subject, string? cookie = null, Func<Task>? beforeCallback = null, Func<string, Task>? beforeCallbackWithState = null)
    {
        using var browser = ConsoleOidcSignIn.Browser(People);
        cookie ??= await ConsoleOidcSignIn.SignInAsync(People, browser, subject, ["approvers"]);
        using var outer = await browser.SendAsync(ConsoleHttp.Get(linkPath, cookie));
        Assert.Equal(HttpStatusCode.Redirect, outer.StatusCode);
        var page = await browser.SendAsync(ConsoleHttp.Get(outer.Headers.Location!.OriginalString, cookie));
        if (page.StatusCode != HttpStatusCode.Redirect || !page.Headers.Location!.OriginalString.StartsWith(Server.Issuer, StringComparison.Ordinal))
        {
            return await Detach(page);
        }

        page.Dispose();

        using var upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        using var consent = await upstream.GetAsync(page.Headers.Location);
        Assert.Equal(HttpStatusCode.Redirect, consent.StatusCode);
        if (beforeCallback is not null)
        {
            await beforeCallback();
        }

        if (beforeCallbackWithState is not null)
        {
            await beforeCallbackWithState(QueryHelpers.ParseQuery(consent.Headers.Location!.Query)["state"].ToString());
        }

        using var callback = await browser.SendAsync(ConsoleHttp.Get(consent.Headers.Location!.PathAndQuery, cookie));
        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        return await Detach(await browser.SendAsync(ConsoleHttp.Get(callback.Headers.Location!.OriginalString, cookie)));
    }

    public async ValueTask DisposeAsync()
    {
        await People.DisposeAsync();
        await Server.DisposeAsync();
    }

    private static async Task<HttpResponseMessage> Detach(HttpResponseMessage response)
    {
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
