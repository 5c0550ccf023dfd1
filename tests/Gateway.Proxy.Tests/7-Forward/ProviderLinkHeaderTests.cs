using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy.Tests.Forward;

/// <summary>
/// The URL-carrying answer headers on <c>/providers/&lt;connector&gt;</c>, from a real Kestrel upstream behind an HTTP tool
/// <c>gh</c> (its base URL <c>&lt;origin&gt;/gh</c>): <c>Refresh</c> and <c>Content-Base</c> are removed, as <c>Location</c>
/// is; a <c>Link</c> (GitHub-style pagination) keeps each link under the base, rewritten to the same path under
/// <c>/providers/gh</c> so the agent's next page goes through the gateway, and drops every other; one that does not parse
/// is removed. No answer header names the upstream's origin (a 401's <c>WWW-Authenticate</c>, reporting and CORS headers
/// removed), and every answer, the gateway's refusals included, is private to caches, nosniff and sandboxed.
/// </summary>
public sealed class ProviderLinkHeaderTests : IClassFixture<ProviderLinkHeaderTests.Fixture>
{
    private readonly Fixture _fixture;

    public ProviderLinkHeaderTests(Fixture fixture) => _fixture = fixture;

    [Fact]
    public async Task Providers_UpstreamPaginatesWithLink_LinksUnderTheBaseAreRewrittenToTheGatewayRouteAndOthersDropped()
    {
        using var response = await GetAsync("/providers/gh/links");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            """</providers/gh/issues?page=2&per_page=5>; rel="next", </providers/gh/issues?page=9>; rel="last", </providers/gh/issues?page=1>; rel="first", </providers/gh>""",
            Assert.Single(response.Headers.NonValidated["Link"]));
        AssertNoHeaderNamesTheUpstream(response);
    }

    [Fact]
    public async Task Providers_RewrittenNextLink_FollowedThroughTheGateway_ReturnsThatPage()
    {
        using var first = await GetAsync("/providers/gh/links");
        var next = Assert.Single(first.Headers.NonValidated["Link"]).Split('>')[0].TrimStart('<');
        Assert.StartsWith("/providers/gh/issues?", next, StringComparison.Ordinal);

        using var page = await GetAsync(next);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using var json = JsonDocument.Parse(await page.Content.ReadAsStringAsync());
        Assert.Equal("2", json.RootElement.GetProperty("page").GetString());
    }

    [Fact]
    public async Task Providers_UpstreamSendsRefreshAndContentBase_NeitherReachesTheAgent()
    {
        using var response = await GetAsync("/providers/gh/refresh");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.NonValidated.Contains("Refresh"));
        Assert.False(response.Headers.NonValidated.Contains("Content-Base") || response.Content.Headers.NonValidated.Contains("Content-Base"));
        AssertNoHeaderNamesTheUpstream(response);
    }

    [Theory]
    [InlineData("link-unparsable")]
    [InlineData("link-elsewhere")]
    public async Task Providers_LinkThatDoesNotParseOrPointsOnlyElsewhere_IsRemoved(string mode)
    {
        using var response = await GetAsync("/providers/gh/" + mode);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.NonValidated.Contains("Link"));
        AssertNoHeaderNamesTheUpstream(response);
    }

    [Fact]
    public async Task Providers_UpstreamHtmlWithPublicCacheControl_IsPrivateNosniffAndSandboxed()
    {
        using var html = await GetAsync("/providers/gh/html-public");
        using var unmarked = await GetAsync("/providers/gh/links");

        Assert.Equal(HttpStatusCode.OK, html.StatusCode);
        Assert.Equal("text/html", html.Content.Headers.ContentType?.MediaType);
        var directives = CacheDirectives(html);
        Assert.Equal("private", directives[0]);
        Assert.Contains("max-age=600", directives);
        Assert.Contains("must-revalidate", directives);
        Assert.DoesNotContain(directives, static d => d.StartsWith("public", StringComparison.OrdinalIgnoreCase) || d.StartsWith("s-maxage", StringComparison.OrdinalIgnoreCase));
        Assert.False(html.Headers.NonValidated.Contains("CDN-Cache-Control") || html.Headers.NonValidated.Contains("Surrogate-Control"));
        Assert.Equal("\"v1\"", Assert.Single(html.Headers.NonValidated["ETag"]));
        AssertNosniffAndSandboxed(html);
        Assert.Equal(["private", "no-store"], CacheDirectives(unmarked));
        AssertNosniffAndSandboxed(unmarked);
    }

    [Fact]
    public async Task Providers_GatewayRefusesTheUpstreamsRedirect_RefusalIsNosniffAndSandboxed()
    {
        using var refused = await GetAsync("/providers/gh/redirect");

        Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
        AssertNosniffAndSandboxed(refused);
        AssertNoHeaderNamesTheUpstream(refused);
    }

    [Fact]
    public async Task Providers_Upstream401WithResourceMetadata_NoHeaderNamesTheUpstream()
    {
        using var response = await GetAsync("/providers/gh/unauthorized");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        foreach (var name in new[] { "WWW-Authenticate", "Report-To", "Reporting-Endpoints", "NEL", "Access-Control-Allow-Origin", "X-Backend", "Content-Security-Policy-Report-Only" })
        {
            Assert.False(response.Headers.NonValidated.Contains(name) || response.Content.Headers.NonValidated.Contains(name), name);
        }

        Assert.Equal("kept", Assert.Single(response.Headers.NonValidated["X-Upstream-Note"]));
        AssertNosniffAndSandboxed(response);
        AssertNoHeaderNamesTheUpstream(response);
    }

    private static List<string> CacheDirectives(HttpResponseMessage response) =>
        [.. string.Join(",", response.Headers.NonValidated["Cache-Control"]).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static void AssertNosniffAndSandboxed(HttpResponseMessage response)
    {
        Assert.Equal("nosniff", Assert.Single(response.Headers.NonValidated["X-Content-Type-Options"]));
        Assert.Equal("sandbox; default-src 'none'", Assert.Single(response.Headers.NonValidated["Content-Security-Policy"]));
    }

    private async Task<HttpResponseMessage> GetAsync(string target) =>
        await _fixture.Gateway.Agent.SendAsync(_fixture.Gateway.Agent.Create(HttpMethod.Get, target));

    private void AssertNoHeaderNamesTheUpstream(HttpResponseMessage response)
    {
        foreach (var header in response.Headers.NonValidated.Concat(response.Content.Headers.NonValidated))
        {
            var line = header.Key + ": " + string.Join(", ", header.Value);
            Assert.DoesNotContain(_fixture.UpstreamAuthority, line, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("elsewhere.example", line, StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>The gateway with the tool <c>gh</c> (GET <c>/{mode}</c>, arguments in the query) on a real Kestrel upstream.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private KestrelUpstream _upstream = null!;

        public GovernedGateway Gateway { get; private set; } = null!;

        /// <summary>The upstream's host and port, which no answer to the agent names.</summary>
        public string UpstreamAuthority => new Uri(_upstream.Origin).Authority;

        public async Task InitializeAsync()
        {
            _upstream = await KestrelUpstream.StartAsync(static app => app.MapGet("/gh/{mode}", static (HttpContext context, string mode) => Answer(context, mode)));
            var origin = _upstream.Origin;
            Gateway = await GovernedGateway.StartAsync(text => text
                .Replace("catalog:\n", $$"""
                    catalog:
                      - { name: gh, kind: http, action_type: read, target_system: gh, upstream: "{{origin}}/gh", credential: none, http: { method: GET, path: "/{mode}", args: query } }

                    """.Replace("\r", string.Empty), StringComparison.Ordinal)
                .Replace("      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: gh }\n", StringComparison.Ordinal));
        }

        public async Task DisposeAsync()
        {
            await Gateway.DisposeAsync();
            await _upstream.DisposeAsync();
        }

        // Each mode's answer names the upstream's own URLs as an API such as GitHub's does.
        private static IResult Answer(HttpContext context, string mode)
        {
            var origin = $"{context.Request.Scheme}://{context.Request.Host}";
            switch (mode)
            {
                case "links":
                    // Absolute and relative links under the base (one to the base itself, one with a comma and a '<' in a
                    // quoted title), one elsewhere, one on the upstream's host outside the base.
                    context.Response.Headers["Link"] =
                        $"""<{origin}/gh/issues?page=2&per_page=5>; rel="next", <{origin}/gh/issues?page=9> ;rel="last"; title="a, <b>", <https://elsewhere.example/gh/issues?page=3>; rel="prev", <{origin}/other/issues>; rel="related", </gh/issues?page=1>; rel="first", <{origin}/gh>; rel="index\"x\"" """.TrimEnd();
                    break;
                case "refresh":
                    context.Response.Headers["Refresh"] = $"0; url={origin}/gh/elsewhere";
                    context.Response.Headers["Content-Base"] = origin + "/gh/";
                    break;
                case "link-unparsable":
                    context.Response.Headers["Link"] = $"""<{origin}/gh/issues?page=2; rel="next", ={origin}""";
                    break;
                case "html-public":
                    context.Response.Headers.CacheControl = "public, max-age=600, s-maxage=3600, must-revalidate";
                    context.Response.Headers["CDN-Cache-Control"] = "public, max-age=86400";
                    context.Response.Headers["Surrogate-Control"] = "max-age=86400";
                    context.Response.Headers.ETag = "\"v1\"";
                    return Results.Content("<html><script>fetch('/console')</script></html>", "text/html");
                case "redirect":
                    return Results.Redirect(origin + "/gh/elsewhere");
                case "unauthorized":
                    // What an MCP server behind the route (or any API) says of itself on a 401: each names the upstream's origin.
                    context.Response.Headers.WWWAuthenticate = $"Bearer resource_metadata=\"{origin.ToUpperInvariant()}/.well-known/oauth-protected-resource\"";
                    context.Response.Headers["Content-Security-Policy-Report-Only"] = $"default-src 'self'; report-uri {origin}/csp";
                    context.Response.Headers["Report-To"] = $$"""{"group":"csp","max_age":600,"endpoints":[{"url":"{{origin}}/reports"}]}""";
                    context.Response.Headers["Reporting-Endpoints"] = $"default=\"{origin}/reports\"";
                    context.Response.Headers["NEL"] = """{"report_to":"csp","max_age":600}""";
                    context.Response.Headers.AccessControlAllowOrigin = origin;
                    context.Response.Headers["X-Backend"] = "served by " + origin + "/gh";
                    context.Response.Headers["X-Upstream-Note"] = "kept";
                    return Results.Json(new { error = "unauthorized" }, statusCode: StatusCodes.Status401Unauthorized);
                case "link-elsewhere":
                    context.Response.Headers["Link"] = $"""<https://elsewhere.example/x>; rel="help", <{origin}/ghost/x>; rel="next" """.TrimEnd();
                    break;
            }

            return Results.Json(new { mode, page = context.Request.Query["page"].ToString() });
        }
    }
}
