using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy.Tests.Interactive;

/// <summary>
/// A client ID metadata document is never fetched from an address that is not globally reachable (server-side request
/// forgery): with the default configuration a <c>client_id</c> the bundle lists on loopback (a real Kestrel server that
/// would answer a good document), on the metadata address or on a private network is refused with 400
/// <c>invalid_client</c> naming the address, nothing redirected and nothing fetched.
/// </summary>
public sealed class ClientMetadataDocumentAddressTests
{
    [Fact]
    public async Task Authorize_DocumentOnAnInternalAddress_IsRefusedInvalidClientAndNothingIsFetched()
    {
        await using var documents = await KestrelUpstream.StartAsync(app =>
            app.MapGet("/client.json", (HttpContext c) => Results.Json(new { client_id = $"{c.Request.Scheme}://{c.Request.Host}/client.json", redirect_uris = new[] { InteractiveGateway.LoopbackRedirect } })));
        string[] internals = [documents.Origin + "/client.json", "https://169.254.169.254/client.json", "https://10.20.30.40/client.json"];
        await using var gw = await InteractiveGateway.StartAsync([.. internals.Select(url => $"{{ client_id: \"{url}\" }}")]);
        using var browser = gw.Browser();

        foreach (var clientId in internals)
        {
            using var response = await browser.GetAsync(gw.AuthorizeUrl(InteractiveGateway.NewPkce().Challenge, clientId: clientId));

            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, clientId + ": " + body);
            var error = JsonDocument.Parse(body).RootElement;
            Assert.Equal("invalid_client", error.GetProperty("error").GetString());
            var address = new Uri(clientId).Host;
            Assert.Contains($"{address}, an internal or reserved", error.GetProperty("error_description").GetString(), StringComparison.Ordinal);
            Assert.Null(response.Headers.Location);
        }

        Assert.Empty(documents.Received);
    }
}
