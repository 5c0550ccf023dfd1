using System.Text;
using Gateway.Authorization.Interactive;
using Gateway.Proxy.People;
using static Gateway.Proxy.Console.ConsoleHtml;

namespace Gateway.Proxy.Console;

/// <summary>
/// The person's own page of interactive clients (<c>/console/{tenant}/clients</c>): each consent they gave (which client,
/// as which agent, since and until when), each revocable (the POST with the session's CSRF token ends the consent and
/// every token it gave, at once; written to the tenant's audit chain, <c>console.consent.revoke</c>). Any signed-in
/// person of the tenant sees their own, whatever their console roles.
/// </summary>
internal static class ConsoleClientPages
{
    public static void Map(RouteGroupBuilder console)
    {
        console.MapGet("/{tenant}/clients", ListAsync);
        console.MapPost("/{tenant}/clients/revoke", RevokeAsync);
    }

    private static async Task<IResult> ListAsync(HttpContext context, string tenant, InteractiveGrants grants, ConsoleSessions sessions)
    {
        var session = await sessions.CurrentAsync(context);
        if (session is null || session.Tenant != tenant)
        {
            return Results.Redirect(ConsoleEndpoints.Prefix + "/" + U(tenant) + "/sign-in");
        }

        var consents = await grants.ListConsentsAsync(tenant, session.Issuer, session.Subject, context.RequestAborted);
        var body = new StringBuilder();
        if (consents.Count == 0)
        {
            body.Append("<p>You have not allowed any client to act for you.</p>");
        }
        else
        {
            body.Append("<table><caption>Clients you allowed to act for you</caption><thead><tr><th scope=\"col\">Client</th><th scope=\"col\">As agent</th><th scope=\"col\">Since</th><th scope=\"col\">Until</th><th scope=\"col\"><span class=\"visually-hidden\">Actions</span></th></tr></thead><tbody>");
            foreach (var consent in consents)
            {
                body.Append("<tr><td>").Append(E(consent.ClientId)).Append("</td><td>").Append(E(consent.Agent)).Append("</td><td>").Append(Time(consent.Granted))
                    .Append("</td><td>").Append(Time(consent.Ends)).Append("</td><td><form method=\"post\" action=\"").Append(ConsoleEndpoints.Prefix).Append('/')
                    .Append(E(U(tenant))).Append("/clients/revoke\">").Append(Csrf(session)).Append("<input type=\"hidden\" name=\"client_id\" value=\"")
                    .Append(E(consent.ClientId)).Append("\"><button type=\"submit\" aria-label=\"").Append(E("Revoke " + consent.ClientId)).Append("\">Revoke</button></form></td></tr>");
            }

            body.Append("</tbody></table>");
        }

        return Page("Your clients", session, body.ToString());
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, string tenant, InteractiveGrants grants, ConsoleSessions sessions, KeptProviderTokens kept)
    {
        var session = await sessions.CurrentAsync(context);
        if (session is null || session.Tenant != tenant)
        {
            return Refusal(StatusCodes.Status401Unauthorized, "console_sign_in_required", "Sign in again; nothing was changed.");
        }

        var form = await ConsoleGuard.ReadFormAsync(context);
        if (form is null || !ConsoleSessions.CsrfMatches(session, form["csrf"].Count == 1 ? form["csrf"][0] : null) || form["client_id"].Count != 1)
        {
            return Refusal(StatusCodes.Status403Forbidden, "console_csrf_invalid", "The form's CSRF token is missing or not this session's; nothing was changed.", session);
        }

        var clientId = form["client_id"][0]!;
        var consent = await grants.GetConsentAsync(tenant, session.Issuer, session.Subject, clientId, context.RequestAborted);
        var revoked = await grants.RevokeConsentAsync(tenant, session.Issuer, session.Subject, clientId, context.RequestAborted);
        if (revoked)
        {
            // The provider token kept for a per_person connector's exchange goes with the grant.
            await kept.ForgetAsync(tenant, session.Subject, context.RequestAborted);
            // Written to the tenant's audit chain before the answer, as the admin API's revocation is.
            await ConsoleAudit.RecordAsync(context, session, "consent.revoke", consent?.Agent ?? "-", reason: "revoked client " + clientId + " on the person's clients page");
        }

        return Page("Your clients", session, revoked
            ? "<p>Revoked: the client can no longer act for you, and the tokens it holds no longer work.</p><p><a href=\"" + ConsoleEndpoints.Prefix + "/" + E(U(tenant)) + "/clients\">Your clients</a></p>"
            : "<p>There was no such consent.</p>");
    }
}
