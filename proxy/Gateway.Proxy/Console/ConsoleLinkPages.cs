using System.Text.Json;
using Gateway.Authorization.AccessTokens;
using Gateway.Proxy.People.Links;
using static Gateway.Proxy.Console.ConsoleHtml;

namespace Gateway.Proxy.Console;

/// <summary>
/// The link pages of <c>per_person</c> connectors. The link URL a refusal names, <c>/connections/{tenant}/{connector}/link</c>,
/// and the redirect URI the upstream sends the person back to, <c>/connections/{tenant}/callback</c>, lead to the same pages
/// under the console (<c>/console/{tenant}/connections/…</c>), where the person's console session is read (its cookie is the
/// console's); <c>/connections/{tenant}/{connector}/client-metadata.json</c> is the gateway's client metadata document.
/// </summary>
internal static class ConsoleLinkPages
{
    /// <summary>The public routes (outside the console's path).</summary>
    public static void MapPublic(IEndpointRouteBuilder app)
    {
        var connections = app.MapGroup("/connections").ExcludeFromDescription();
        connections.MapGet("/{tenant}/{connector}/link", static (HttpContext c, string tenant, string connector) =>
            Results.Redirect(ConsolePath(tenant) + "/" + U(connector) + "/link" + c.Request.QueryString.Value));
        connections.MapGet("/{tenant}/callback", static (HttpContext c, string tenant) => Results.Redirect(ConsolePath(tenant) + "/callback" + c.Request.QueryString.Value));
        connections.MapGet("/{tenant}/{connector}/client-metadata.json", static (HttpContext c, string tenant, string connector, ConsoleLinkFlow flow, PublicOrigin origin) =>
            flow.NeedsOf(tenant, connector) is { Client.MetadataDocument: true }
                ? Results.Text(MetadataDocument(origin.For(c.Request), tenant, connector), "application/json")
                : Results.NotFound());
    }

    /// <summary>The pages under the console group.</summary>
    public static void Map(RouteGroupBuilder console)
    {
        console.MapGet("/{tenant}/connections/{connector}/link", static async (HttpContext c, string tenant, string connector, ConsoleLinkFlow flow, ConsoleSessions sessions) =>
        {
            var grant = c.Request.Query["grant"].Count == 1 ? c.Request.Query["grant"][0] : null;
            if (grant is not { Length: > 0 and <= 128 } || !grant.All(static ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_'))
            {
                return Refusal(StatusCodes.Status400BadRequest, "link_grant_invalid", "This link names no link grant. Call the tool again for a new one.");
            }

            if (await sessions.CurrentAsync(c) is not { } session || session.Tenant != tenant)
            {
                var here = ConsolePath(tenant) + "/" + U(connector) + "/link?grant=" + grant;
                return Results.Redirect("/console/" + U(tenant) + "/sign-in?return=" + U(here));
            }

            var outcome = await flow.StartAsync(c, session, tenant, connector, grant);
            return outcome.Location is { } location ? Results.Redirect(location) : Refusal(outcome.Status, outcome.Code!, outcome.Message!, session);
        });
        console.MapGet("/{tenant}/connections/callback", static async (HttpContext c, string tenant, ConsoleLinkFlow flow, ConsoleSessions sessions) =>
        {
            if (await sessions.CurrentAsync(c) is not { } session || session.Tenant != tenant)
            {
                return Refusal(StatusCodes.Status401Unauthorized, "console_sign_in_required", "Sign in to the console as the person who started this link; nothing was linked.");
            }

            var (outcome, connector) = await flow.CallbackAsync(c, session, tenant);
            return outcome.Location is not null
                ? Page("Linked", session, "<p role=\"status\">Your account is linked to <strong>" + E(connector) + "</strong>. Go back to your client and retry the call.</p>")
                : Refusal(outcome.Status, outcome.Code!, outcome.Message!, session);
        });
    }

    /// <summary>True for a link page of this tenant with its grant (a sign-in may return to it).</summary>
    public static bool IsLinkPage(string tenant, string returnTo)
    {
        var prefix = ConsolePath(tenant) + "/";
        var grantAt = returnTo.IndexOf("/link?grant=", StringComparison.Ordinal);
        return returnTo.StartsWith(prefix, StringComparison.Ordinal) && grantAt > prefix.Length && returnTo.Length <= grantAt + 12 + 128
            && returnTo[prefix.Length..grantAt].All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '%')
            && returnTo[(grantAt + 12)..].All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
    }

    private static string ConsolePath(string tenant) => "/console/" + U(tenant) + "/connections";

    private static string MetadataDocument(string origin, string tenant, string connector)
    {
        var clientId = UpstreamAuthorization.MetadataDocumentUrl(origin, tenant, connector);
        return JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["client_id"] = clientId,
            ["client_name"] = "Gamut gateway (" + tenant + ", " + connector + ")",
            ["client_uri"] = origin,
            ["redirect_uris"] = new[] { UpstreamAuthorization.RedirectUri(origin, tenant) },
            ["grant_types"] = new[] { "authorization_code", "refresh_token" },
            ["response_types"] = new[] { "code" },
            ["token_endpoint_auth_method"] = "none",
        });
    }
}
