using System.Text;
using Gateway.Policy;
using Gateway.Proxy.People.Links;
using static Gateway.Proxy.Console.ConsoleHtml;

namespace Gateway.Proxy.Console;

/// <summary>
/// The person's own page of upstream accounts (<c>/console/{tenant}/connections</c>, "Your connections"): each connector of
/// the tenant that acts with the person's own account (<c>credential: per_person</c>), the upstream account they linked to
/// it (its subject, never a token) and since when; a POST with the session's CSRF token links (or relinks) one, through the
/// link page a refused call would name, or revokes one (effective on the next call on every replica; written to the
/// tenant's audit chain, <c>console.connection.revoke</c>). Any signed-in person of the tenant sees their own, whatever
/// their console roles.
/// </summary>
internal static class ConsoleConnectionPages
{
    public static void Map(RouteGroupBuilder console)
    {
        console.MapGet("/{tenant}/connections", ListAsync);
        console.MapPost("/{tenant}/connections/link", LinkAsync);
        console.MapPost("/{tenant}/connections/revoke", RevokeAsync);
    }

    private static async Task<IResult> ListAsync(HttpContext context, string tenant, LinkedAccounts links, ConsoleSessions sessions, Bundle.PolicyProvider policy)
    {
        var session = await sessions.CurrentAsync(context);
        if (session is null || session.Tenant != tenant)
        {
            return Results.Redirect(ConsoleEndpoints.Prefix + "/" + U(tenant) + "/sign-in");
        }

        var linked = (await links.ListAsync(tenant, session.Subject, context.RequestAborted))
            .Where(l => string.Equals(l.PersonIssuer, session.Issuer, StringComparison.Ordinal))
            .ToDictionary(static l => l.Connector, StringComparer.Ordinal);
        var connectors = PerPersonConnectors(policy, tenant).Union(linked.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var body = new StringBuilder();
        if (connectors.Count == 0)
        {
            body.Append("<p>No connector of this tenant acts with your own account at its upstream.</p>");
            return Page("Your connections", session, body.ToString());
        }

        body.Append("<p>These connectors act with your own account at their upstream: the upstream sees you, not the gateway. Link one once; revoke it here at any time.</p>")
            .Append("<table><caption>Your upstream accounts</caption><thead><tr><th scope=\"col\">Connector</th><th scope=\"col\">Upstream account</th><th scope=\"col\">Linked at</th><th scope=\"col\"><span class=\"visually-hidden\">Actions</span></th></tr></thead><tbody>");
        foreach (var connector in connectors)
        {
            var link = linked.GetValueOrDefault(connector);
            body.Append("<tr><td>").Append(E(connector)).Append("</td><td>").Append(link is null ? "<em>not linked</em>" : E(link.UpstreamSubject ?? "(the upstream named none)"))
                .Append("</td><td>").Append(link is null ? string.Empty : Time(link.LinkedAt)).Append("</td><td>")
                .Append(Form(tenant, session, "link", connector, link is null ? "Link" : "Relink"));
            if (link is not null)
            {
                body.Append(Form(tenant, session, "revoke", connector, "Revoke"));
            }

            body.Append("</td></tr>");
        }

        body.Append("</tbody></table>");
        return Page("Your connections", session, body.ToString());
    }

    /// <summary>Links (or relinks) a connector: a link grant for this person, then the link page (which sends them to the upstream).</summary>
    private static async Task<IResult> LinkAsync(HttpContext context, string tenant, LinkGrants grants, ConsoleSessions sessions, Bundle.PolicyProvider policy)
    {
        var (session, connector, refused) = await ReadFormAsync(context, tenant, sessions);
        if (session is null)
        {
            return refused!;
        }

        if (!PerPersonConnectors(policy, tenant).Contains(connector, StringComparer.Ordinal))
        {
            return Refusal(StatusCodes.Status404NotFound, "connector_not_per_person", "This tenant has no connector of that name acting with a person's own account; nothing was changed.", session);
        }

        var grant = await grants.IssueAsync(new LinkedAccountKey(tenant, session.Issuer, session.Subject, connector!), context.RequestAborted);
        return Results.Redirect(LinkGrants.LinkPath(tenant, connector!, grant));
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, string tenant, LinkedAccounts links, ConsoleSessions sessions, Bundle.PolicyProvider policy)
    {
        var (session, connector, refused) = await ReadFormAsync(context, tenant, sessions);
        if (session is null)
        {
            return refused!;
        }

        var revoked = await links.RevokeAsync(new LinkedAccountKey(tenant, session.Issuer, session.Subject, connector!), context.RequestAborted);
        if (revoked)
        {
            // Written to the tenant's audit chain before the answer, as the admin API's revocation is.
            await ConsoleAudit.RecordAsync(context, session, "connection.revoke", "-", reason: "revoked the link to connector " + connector + " on the person's connections page");
        }

        return Page("Your connections", session, revoked
            ? (Exchanges(policy, tenant, connector!)
                ? "<p>Revoked the link. This connector first exchanges your sign-in for its access, which your provider grants: it goes on acting with your account while the provider allows it (ask an administrator to stop it).</p>"
                : "<p>Revoked: the connector no longer acts with your account; its next call asks you to link it again.</p>")
                + "<p><a href=\"" + ConsoleEndpoints.Prefix + "/" + E(U(tenant)) + "/connections\">Your connections</a></p>"
            : "<p>There was no such link.</p>");
    }

    /// <summary>The session and the form's connector, or the refusal (no session of this tenant, a bad CSRF token, no connector).</summary>
    private static async Task<(ConsoleSession? Session, string? Connector, IResult? Refusal)> ReadFormAsync(HttpContext context, string tenant, ConsoleSessions sessions)
    {
        var session = await sessions.CurrentAsync(context);
        if (session is null || session.Tenant != tenant)
        {
            return (null, null, Refusal(StatusCodes.Status401Unauthorized, "console_sign_in_required", "Sign in again; nothing was changed."));
        }

        var form = await ConsoleGuard.ReadFormAsync(context);
        return form is null || !ConsoleSessions.CsrfMatches(session, form["csrf"].Count == 1 ? form["csrf"][0] : null) || form["connector"] is not [{ Length: > 0 and <= 255 } connector]
            ? (null, null, Refusal(StatusCodes.Status403Forbidden, "console_csrf_invalid", "The form's CSRF token is missing or not this session's; nothing was changed.", session))
            : (session, connector, null);
    }

    private static string Form(string tenant, ConsoleSession session, string action, string connector, string label) =>
        "<form method=\"post\" action=\"" + ConsoleEndpoints.Prefix + "/" + E(U(tenant)) + "/connections/" + action + "\">" + Csrf(session)
        + "<input type=\"hidden\" name=\"connector\" value=\"" + E(connector) + "\"><button type=\"submit\" aria-label=\"" + E(label + " " + connector) + "\">" + E(label) + "</button></form>";

    /// <summary>Whether <paramref name="connector"/> exchanges the person's identity token before it asks for their link (<c>token_exchange: true</c>).</summary>
    private static bool Exchanges(Bundle.PolicyProvider policy, string tenant, string connector) =>
        ConsoleApprovalRead.TenantOf(policy, tenant) is { } found && found.TryGetCatalogEntry(connector, out var entry) && entry?.Person?.TokenExchange == true;

    /// <summary>The tenant's connectors that act with a person's own upstream account.</summary>
    private static IEnumerable<string> PerPersonConnectors(Bundle.PolicyProvider policy, string tenant) =>
        ConsoleApprovalRead.TenantOf(policy, tenant)?.Catalog.Where(static e => e.Kind != ConnectorKind.McpTool && e.Person?.Credential == PersonCredential.PerPerson).Select(static e => e.Name) ?? [];
}
