using System.Net;
using System.Text.Json;
using Gateway.Proxy.People.Links;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.People.Links;

/// <summary>
/// The two client registrations of a <c>per_person</c> connector besides a pre-registered client, each driven to a
/// completed link and a forwarded call: RFC 7591 dynamic registration at the upstream's authorization server, and a
/// client metadata document the gateway serves, whose URL is the client id.
/// </summary>
public sealed class PerPersonClientRegistrationTests
{
    private const string Dynamic = "{ credential: per_person, authorization_server: \"{server}\", client: { dynamic: true }, scopes: [issues.read] }";
    private const string MetadataDocument = "{ credential: per_person, authorization_server: \"{server}\", client: { metadata_document: true }, scopes: [issues.read] }";

    [Fact]
    public async Task Link_DynamicallyRegisteredClient_RegistersOnceLinksAndTheUpstreamSeesThePersonsToken()
    {
        await using var gw = await PerPersonGateway.StartAsync(Dynamic);
        using var refused = await gw.CallAsync("erin");

        using var linked = await gw.FollowLinkAsync(await PerPersonGateway.LinkPathAsync(refused), "erin");
        using var retried = await gw.CallAsync("erin");

        Assert.True(linked.StatusCode == HttpStatusCode.OK, await linked.Content.ReadAsStringAsync() + string.Join('\n', gw.Server.Refusals));
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        var registration = JsonDocument.Parse(Assert.Single(gw.Server.Registrations)).RootElement;
        Assert.Contains(registration.GetProperty("redirect_uris").EnumerateArray(), uri => uri.GetString()!.EndsWith("/connections/demo/callback", StringComparison.Ordinal));
        Assert.Equal(TestAuthorizationServer.ClientId, Assert.Single(gw.Server.AuthorizationRequests)["client_id"]);
        Assert.Equal("Bearer " + Assert.Single(gw.Server.AccessTokens), Assert.Single(gw.Gateway.Upstream.To("/crm")).Headers["Authorization"]);
        Assert.DoesNotContain(TestAuthorizationServer.ClientSecret, LoggedText.Of(gw.Logs), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Link_ClientMetadataDocument_TheClientIdIsTheDocumentTheGatewayServesAndTheLinkCompletes()
    {
        await using var gw = await PerPersonGateway.StartAsync(MetadataDocument);
        using var refused = await gw.CallAsync("erin");

        using var linked = await gw.FollowLinkAsync(await PerPersonGateway.LinkPathAsync(refused), "erin");
        using var retried = await gw.CallAsync("erin");

        Assert.True(linked.StatusCode == HttpStatusCode.OK, await linked.Content.ReadAsStringAsync() + string.Join('\n', gw.Server.Refusals));
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Empty(gw.Server.Registrations);
        var clientId = new Uri(Assert.Single(gw.Server.AuthorizationRequests)["client_id"]);
        using var document = await gw.Gateway.Host.Client.GetAsync(clientId.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        var metadata = JsonDocument.Parse(await document.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(clientId.ToString(), metadata.GetProperty("client_id").GetString());
        Assert.Contains(metadata.GetProperty("redirect_uris").EnumerateArray(), uri => uri.GetString()!.EndsWith("/connections/demo/callback", StringComparison.Ordinal));
        Assert.Equal("Bearer " + Assert.Single(gw.Server.AccessTokens), Assert.Single(gw.Gateway.Upstream.To("/crm")).Headers["Authorization"]);
    }

    [Fact]
    public async Task InvokeTool_RefreshReRegistersAndRegistrationAnswersNonJson_Is503NotInternalError()
    {
        await using var gw = await PerPersonGateway.StartAsync(Dynamic);
        using var refused = await gw.CallAsync("erin");
        using (await gw.FollowLinkAsync(await PerPersonGateway.LinkPathAsync(refused), "erin"))
        {
        }

        // The registration is gone from the store (as after a lost data key), and the server now answers its 201 with HTML.
        var origin = gw.Gateway.Host.BaseAddress.GetLeftPart(UriPartial.Authority);
        var registration = UpstreamAuthorization.RegistrationKey("demo", "crm.read_contact", gw.Server.Issuer, UpstreamAuthorization.RedirectUri(origin, "demo"));
        Assert.True(await gw.Gateway.Host.Services.GetRequiredService<IStateStore>().DeleteAsync(registration, CancellationToken.None));
        await gw.ExpireLinkAsync("erin");
        gw.Server.RegistrationAnswer = "<html>registered</html>";
        using var refreshing = await gw.CallAsync("erin");

        await ProblemAssert.IsProblemAsync(refreshing, HttpStatusCode.ServiceUnavailable, "person_credential_unavailable");
        Assert.Equal(2, gw.Server.Registrations.Count);
        Assert.Equal(0, gw.Server.Refreshes);
        Assert.Empty(gw.Gateway.Upstream.To("/crm"));
        Assert.NotNull(await gw.Gateway.Host.Services.GetRequiredService<LinkedAccounts>().GetAsync(gw.KeyOf("erin"), CancellationToken.None));
    }
}
