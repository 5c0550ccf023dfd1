using System.Text;
using Gateway.Authorization.Interactive;
using Gateway.Policy;
using Gateway.Proxy.Bundle;
using static Gateway.Proxy.Console.ConsoleHtml;

namespace Gateway.Proxy.Console;

/// <summary>
/// The person's half of the authorization-code grant (<c>/console/{tenant}/authorize?request=…</c>, where
/// <c>/oauth/authorize</c> sends the browser): a person not signed in goes through the console's own sign-in at the
/// tenant's OpenID provider and comes back; a person the agent's <c>interactive:</c> block does not list is sent back to
/// the client with <c>access_denied</c>; otherwise the consent page says which client, which agent of the tenant it will
/// act as, which tools that agent may use, the declared scopes it asks for, and for how long. Consent is remembered per
/// person and client with its scopes (a later authorization of the same client that asks for no other scope skips the
/// page) until it ends (the agent's <c>max_session</c> as the bundle says now, counted from the consent) or is revoked (<see cref="ConsoleClientPages"/>, or
/// the admin API). The consent POST carries the session's CSRF token; the pending request is taken once; an allowed
/// consent is written to the tenant's audit chain (<c>console.consent.grant</c>).
/// </summary>
internal static class ConsoleAuthorizePages
{
    public static void Map(RouteGroupBuilder console)
    {
        console.MapGet("/{tenant}/authorize", ShowAsync);
        console.MapPost("/{tenant}/authorize", DecideAsync);
    }

    private static async Task<IResult> ShowAsync(HttpContext context, string tenant, InteractiveGrants grants, IInteractiveHost host, ConsoleSessions sessions, PolicyProvider policy, TimeProvider time)
    {
        var id = context.Request.Query["request"].Count == 1 ? context.Request.Query["request"][0]! : string.Empty;
        var pending = await grants.GetRequestAsync(id, context.RequestAborted);
        if (pending is null || pending.Tenant != tenant)
        {
            return Refusal(StatusCodes.Status400BadRequest, "oauth_request_expired", "This authorization request expired or was already answered. Start again from your client.");
        }

        var session = await sessions.CurrentAsync(context);
        if (session is null || session.Tenant != tenant)
        {
            var back = ConsoleEndpoints.Prefix + "/" + U(tenant) + "/authorize?request=" + U(id);
            return Results.Redirect(ConsoleEndpoints.Prefix + "/" + U(tenant) + "/sign-in?return=" + U(back));
        }

        if (Allowed(host, pending, session) is not { } agent)
        {
            await grants.TakeRequestAsync(id, context.RequestAborted);
            return Results.Redirect(AuthorizationResponse.Error(pending.RedirectUri, "access_denied", "This person may not use this client as this agent.", pending.State, pending.Issuer));
        }

        if (await grants.GetConsentAsync(tenant, session.Issuer, session.Subject, pending.ClientId, context.RequestAborted) is { } consent
            && consent.Agent == agent.Agent && consent.Workspace == agent.Workspace && consent.Covers(pending.Scopes)
            && consent.Granted + agent.Access.MaxSession > time.GetUtcNow()
            && await grants.TakeRequestAsync(id, context.RequestAborted) is { } taken)
        {
            // Remembered (every scope asked for among those allowed before, within the agent's max_session as the bundle
            // says now): no page, a code under the same consent.
            return Results.Redirect(await IssueCodeAsync(grants, taken, agent, session, consent, context.RequestAborted));
        }

        var tools = policy.Current?.Set is { } set && set.TryGetTenant(tenant, out var tenantPolicy) && tenantPolicy!.TryGetAgent(agent.Agent, out var record)
            ? record!.Permissions.Select(p => p.Tool).ToList()
            : [];
        var body = new StringBuilder("<p>The client <strong>").Append(E(pending.ClientId)).Append("</strong> asks to act for you, ")
            .Append(E(session.Person)).Append(", as the agent <strong>").Append(E(agent.Agent)).Append("</strong> of ").Append(E(tenant))
            .Append(" (workspace ").Append(E(agent.Workspace)).Append(").</p><p>It will be able to do only what that agent may do, under its policy, with you named in every record:</p><ul>");
        foreach (var tool in tools)
        {
            body.Append("<li><code>").Append(E(tool)).Append("</code></li>");
        }

        body.Append("</ul>");
        if (pending.Scopes.Count > 0)
        {
            // The declared scopes it asks for: the tools each lets it use (others the scopes cover stay out of its reach).
            body.Append("<p>It asks for these scopes:</p><ul>");
            foreach (var scope in agent.Access.Scopes.Where(s => pending.Scopes.Contains(s.Name, StringComparer.Ordinal)))
            {
                body.Append("<li><code>").Append(E(scope.Name)).Append("</code>: ").Append(E(string.Join(", ", scope.Tools))).Append("</li>");
            }

            body.Append("</ul>");
        }

        body.Append("<p>For at most ").Append(E(Duration(agent.Access.MaxSession))).Append(", until you revoke it on <a href=\"")
            .Append(ConsoleEndpoints.Prefix).Append('/').Append(E(U(tenant))).Append("/clients\">your clients page</a>. It will be sent back to <code>")
            .Append(E(pending.RedirectUri)).Append("</code>.</p><form method=\"post\" action=\"").Append(ConsoleEndpoints.Prefix).Append('/').Append(E(U(tenant)))
            .Append("/authorize\">").Append(Csrf(session)).Append("<input type=\"hidden\" name=\"request\" value=\"").Append(E(id))
            .Append("\"><button type=\"submit\" name=\"decision\" value=\"approve\">Allow</button> <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>");
        // The form's answer redirects to the client: the page's form-action must allow that one target (browsers apply
        // form-action to a form's redirects too), and nothing else.
        context.Response.Headers.ContentSecurityPolicy = ConsoleSecurityHeaders.ContentSecurityPolicy.Replace(
            "form-action 'self'", "form-action 'self' " + FormTarget(pending.RedirectUri), StringComparison.Ordinal);
        return Page("Allow " + pending.ClientId + "?", session, body.ToString());
    }

    /// <summary>The CSP source naming the redirect URI's target: its origin for http(s), its scheme for a native app's own scheme.</summary>
    private static string FormTarget(string redirectUri)
    {
        var uri = new Uri(redirectUri, UriKind.Absolute);
        return uri.Scheme is "http" or "https" ? uri.GetLeftPart(UriPartial.Authority) : uri.Scheme + ":";
    }

    private static async Task<IResult> DecideAsync(HttpContext context, string tenant, InteractiveGrants grants, IInteractiveHost host, ConsoleSessions sessions, TimeProvider time)
    {
        var session = await sessions.CurrentAsync(context);
        if (session is null || session.Tenant != tenant)
        {
            return Refusal(StatusCodes.Status401Unauthorized, "console_sign_in_required", "Sign in again; nothing was changed.");
        }

        var form = await ConsoleGuard.ReadFormAsync(context);
        if (form is null || !ConsoleSessions.CsrfMatches(session, form["csrf"].Count == 1 ? form["csrf"][0] : null))
        {
            return Refusal(StatusCodes.Status403Forbidden, "console_csrf_invalid", "The form's CSRF token is missing or not this session's; nothing was changed.", session);
        }

        var pending = await grants.TakeRequestAsync(form["request"].Count == 1 ? form["request"][0]! : string.Empty, context.RequestAborted);
        if (pending is null || pending.Tenant != tenant)
        {
            return Refusal(StatusCodes.Status400BadRequest, "oauth_request_expired", "This authorization request expired or was already answered. Start again from your client.", session);
        }

        if (Allowed(host, pending, session) is not { } agent || form["decision"] != "approve")
        {
            return Results.Redirect(AuthorizationResponse.Error(pending.RedirectUri, "access_denied", "The person did not allow this client, or may not use it as this agent.", pending.State, pending.Issuer));
        }

        var now = time.GetUtcNow();
        // The scopes allowed before (a live consent to the same agent) stay allowed; those asked for now join them.
        var before = await grants.GetConsentAsync(tenant, session.Issuer, session.Subject, pending.ClientId, context.RequestAborted) is { } earlier
            && earlier.Agent == agent.Agent && earlier.Workspace == agent.Workspace ? earlier.Scopes : [];
        var consent = new PersonConsent(pending.ClientId, agent.Workspace, agent.Agent, now, now + agent.Access.MaxSession)
        {
            Scopes = [.. before.Union(pending.Scopes, StringComparer.Ordinal)],
        };
        await grants.SaveConsentAsync(tenant, session.Issuer, session.Subject, consent, context.RequestAborted);
        await ConsoleAudit.RecordAsync(context, session, "consent.grant", agent.Agent,
            reason: "allowed client " + pending.ClientId + (consent.Scopes.Count > 0 ? " with scopes " + string.Join(' ', consent.Scopes) : string.Empty) + " until " + consent.Ends.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        return Results.Redirect(await IssueCodeAsync(grants, pending, agent, session, consent, context.RequestAborted));
    }

    /// <summary>The agent the pending request names, when the bundle still lets the session's person use the client as it; else null.</summary>
    private static InteractiveAgent? Allowed(IInteractiveHost host, PendingAuthorization pending, ConsoleSession session) =>
        host.Find(pending.Tenant, pending.Agent, pending.ClientId) is { } agent
        && (agent.Client.IsMetadataDocument || agent.Client.Registered || RedirectUris.Match(agent.Client.RedirectUris, pending.RedirectUri) is not null)
        && agent.Access.Allows(Person(session))
            ? agent
            : null;

    private static ActingPerson Person(ConsoleSession session) => new(session.Subject, session.Issuer, session.Groups ?? []);

    private static async Task<string> IssueCodeAsync(InteractiveGrants grants, PendingAuthorization pending, InteractiveAgent agent, ConsoleSession session, PersonConsent consent, CancellationToken ct)
    {
        // The consent's end, or its max_session as the bundle says now when that was shortened since.
        var ends = consent.Granted + agent.Access.MaxSession < consent.Ends ? consent.Granted + agent.Access.MaxSession : consent.Ends;
        var family = await grants.StartFamilyAsync(pending.Tenant, session.Issuer, session.Subject, pending.ClientId, ends, ct);
        var grant = new InteractiveGrant(pending.Tenant, agent.Workspace, agent.Agent, pending.ClientId, session.Subject, session.Issuer, session.Groups ?? [],
            pending.Resource, family, ends)
        {
            ConsentGranted = consent.Granted,
            RedirectUri = pending.RedirectUri,
            CodeChallenge = pending.CodeChallenge,
            Scopes = pending.Scopes,

            // The register's id for the person (the tenant's PersonClaim), when it is not their subject: an approval of
            // what the token's calls ask tells them apart by it.
            RegisterId = session.IssuedBy is null && session.Person != session.Subject ? session.Person : null,
        };
        var code = await grants.IssueCodeAsync(grant, ct);
        return AuthorizationResponse.Code(pending.RedirectUri, code, pending.State, pending.Issuer);
    }

    private static string Duration(TimeSpan span) =>
        span.TotalDays >= 1 && span.TotalDays == Math.Floor(span.TotalDays) ? $"{span.TotalDays:0} days"
        : span.TotalHours >= 1 && span.TotalHours == Math.Floor(span.TotalHours) ? $"{span.TotalHours:0} hours"
        : $"{span.TotalMinutes:0} minutes";
}
