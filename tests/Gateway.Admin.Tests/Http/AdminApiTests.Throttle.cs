using System.Globalization;
using System.Net;
using Gateway.Admin.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Admin.Tests.Http;

/// <summary>Failed admin authentications are counted per source: an IPv4 address, or an IPv6 client's /64.</summary>
public sealed partial class AdminApiTests
{
    [Fact]
    public async Task AnyRoute_BadTokensFromOneIpv6Slash64_Is429()
    {
        await using var host = await AdminTestHost.StartAsync(
            configureServices: s => s.AddSingleton<IStartupFilter, ForwardedForStartupFilter>(),
            configuration: new Dictionary<string, string?> { ["Gateway:Admin:MaxFailedAuthPerWindow"] = "3" });
        using var guesser = host.Client("gwa_guess");
        using var admin = host.Client(AdminTestServices.BootstrapToken);
        Task<HttpResponseMessage> From(HttpClient client, string address)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/admin/v1/tenants/{_tenant}/audit/verify");
            request.Headers.Add("X-Forwarded-For", address);
            return client.SendAsync(request);
        }

        // Each guess from another address of one /64, as a host given the whole /64 could send them.
        for (var i = 1; i <= 3; i++)
        {
            await AssertProblemAsync(await From(guesser, "2001:db8:7:9::" + i.ToString(CultureInfo.InvariantCulture)), HttpStatusCode.Unauthorized, "admin_token_invalid");
        }

        await AssertProblemAsync(await From(guesser, "2001:db8:7:9:ffff:ffff:ffff:fffe"), HttpStatusCode.TooManyRequests, "admin_auth_throttled");
        using var otherNetwork = await From(admin, "2001:db8:7:a::1");
        Assert.Equal(HttpStatusCode.OK, otherNetwork.StatusCode);
    }
}
