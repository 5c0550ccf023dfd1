using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>
/// Behind a TLS-terminating ingress the console's cookies are Secure and <c>__Host-</c> named and HSTS is sent, but only
/// when the ingress is a configured trusted proxy (or the public base URL is https): an <c>X-Forwarded-Proto</c> from any
/// other peer changes nothing (issue #45.4).
/// </summary>
public sealed class TrustedProxyTests
{
    private const string FormPath = "/console/demo/token-sign-in";
    private const string FormCookie = "gamut_console_token_form";

    [Fact]
    public async Task ForwardedProto_FromAPeerThatIsNoTrustedProxy_IsIgnored()
    {
        await using var gw = await GovernedGateway.StartAsync(configure: builder => builder.Configuration["Gateway:ForwardedHeaders:KnownNetworks:0"] = "10.0.0.0/8");

        using var response = await GetAsync(gw, forwardedProto: "https");

        var cookie = SetCookie(response, FormCookie);
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/console", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Strict-Transport-Security");
    }

    [Fact]
    public async Task ForwardedProto_NothingConfigured_IsIgnored()
    {
        await using var gw = await GovernedGateway.StartAsync();

        using var response = await GetAsync(gw, forwardedProto: "https");

        Assert.DoesNotContain("secure", SetCookie(response, FormCookie), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Strict-Transport-Security");
    }

    [Fact]
    public async Task ForwardedProto_FromATrustedProxy_MakesTheCookieSecureHostPrefixedAndSendsHsts()
    {
        await using var gw = await GovernedGateway.StartAsync(configure: builder => builder.Configuration["Gateway:ForwardedHeaders:KnownProxies:0"] = "127.0.0.1");

        using var response = await GetAsync(gw, forwardedProto: "https");

        var cookie = SetCookie(response, "__Host-" + FormCookie);
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/;", cookie + ";", StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("max-age=", Assert.Single(response.Headers.GetValues("Strict-Transport-Security")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpsPublicBaseUrl_WithoutAnyProxy_MakesTheCookieSecureAndSendsHsts()
    {
        await using var gw = await GovernedGateway.StartAsync(configure: builder => builder.Configuration["Gateway:AccessTokens:PublicBaseUrl"] = "https://gateway.example.com");

        using var response = await GetAsync(gw, forwardedProto: null);

        Assert.Contains("secure", SetCookie(response, "__Host-" + FormCookie), StringComparison.OrdinalIgnoreCase);
        Assert.Single(response.Headers.GetValues("Strict-Transport-Security"));
    }

    private static async Task<HttpResponseMessage> GetAsync(GovernedGateway gw, string? forwardedProto)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, FormPath);
        if (forwardedProto is not null)
        {
            request.Headers.Add("X-Forwarded-Proto", forwardedProto);
            request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        }

        var response = await gw.Host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    private static string SetCookie(HttpResponseMessage response, string name) =>
        Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(name + "=", StringComparison.Ordinal));
}
