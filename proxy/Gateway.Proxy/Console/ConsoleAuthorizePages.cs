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
/// the client with <c>access_denied</c> (for a request agents of several tenants still accept, shown a page back to the
/// choice instead, the request kept); otherwise the consent page says which client, which agent of the tenant it will act as, which tools
/// that agent may use, the declared scopes it asks for, and for how long. Consent is remembered per person and client
/// with its scopes (a later authorization of the same client that asks for no other scope skips the page) until it ends
/// (the agent's <c>max_session</c> as the bundle says now, counted from the consent) or is revoked (<see cref="ConsoleClientPages"/>, or
/// the admin API). The consent POST carries the session's CSRF token; the pending request is taken once; an allowed
/// consent is written to the tenant's audit chain (<c>console.consent.grant</c>). A request that agents of several
/// tenants accept (<c>/console/authorize?request=…</c>) asks which tenant the person signs in to (their session's, when
/// it is one of them whose agent lists them); its agent is the one of the signed-in person's tenant whose block lists
/// them, and the code is that agent's. Scopes allowed before are carried over only from a consent that still stands, and the page lists them.
/// A code is given only when the consent it is for still stands once its token family is started: one revoked meanwhile
/// sends the client <c>access_denied</c> (<see cref="InteractiveGrants.StartFamilyUnderConsentAsync"/>).
/// </summary>
internal static class ConsoleAuthorizePages
{
    public static void Map(RouteGroupBuilder console)
    {
        console.MapGet("/authorize", ChooseAsync);
        console.MapGet("/{tenant}/authorize", ShowAsync);
        console.MapPost("/{tenant}/authorize", DecideAsync);
    }

    /// <summary>
    /// <c>/console/authorize?request=…</c>, where <c>/oauth/authorize</c> sends a request that agents of several tenants
    /// accept: a session of one of them whose agent there is the person's goes on to its consent page; else the page lists
    /// those tenants, each link its consent page.
    /// </summary>
    private static async Task<IResult> ChooseAsync(HttpContext context, InteractiveGrants grants, IInteractiveHost host, ClientMetadataDocuments documents, ConsoleSessions sessions)
    {
        var id = RequestId(context);
        var pending = await grants.GetRequestAsync(id, context.RequestAborted);
        if (pending is null)
        {
            return Refusal(StatusCodes.Status400BadRequest, "oauth_request_expired", "This authorization request expired or was already answered. Start again from your client.");
        }

        List<string> tenants = pending.Tenant.Length > 0
            ? [pending.Tenant]
            : [.. Candidates(host, pending).Select(static a => a.Tenant).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        // The session's tenant only when one agent there is this person's (the consent page's own choice): else the list,
        // not a page that would refuse the person without their choosing another tenant.
        var session = await sessions.CurrentAsync(context);
        var usable = session is not null && tenants.Contains(session.Tenant) && (await ResolveAsync(host, documents, pending, session, context.RequestAborted)).Agent is not null;
        if ((usable ? session!.Tenant : tenants.Count == 1 ? tenants[0] : null) is { } chosen)
        {
            return Results.Redirect(ConsentPage(chosen, id));
        }

        if (tenants.Count == 0)
        {
            return Refusal(StatusCodes.Status400BadRequest, "oauth_request_expired", "No agent accepts this client any more. Start again from your client.", session);
        }

        var body = new StringBuilder("<p>The client <strong>").Append(E(pending.ClientId))
            .Append("</strong> asks to act for you as an agent of your organisation. Agents of more than one accept it: sign in to yours.</p><ul>");
        foreach (var tenant in tenants)
        {
            body.Append("<li><a href=\"").Append(E(ConsentPage(tenant, id))).Append("\">").Append(E(tenant)).Append("</a></li>");
        }

        return Page("Sign in to allow " + pending.ClientId, session, body.Append("</ul>").ToString());
    }

    private static async Task<IResult> ShowAsync(HttpContext context, string tenant, InteractiveGrants grants, IInteractiveHost host, ClientMetadataDocuments documents, ConsoleSessions sessions, PolicyProvider policy, TimeProvider time)
    {
        var id = RequestId(context);
        var pending = await grants.GetRequestAsync(id, context.RequestAborted);
        if (pending is null || !IsFor(host, pending, tenant))
        {
            return Refusal(StatusCodes.Status400BadRequest, "oauth_request_expired", "This authorization request expired, was already answered, or is not for this tenant. Start again from your client.");
        }

        var session = await sessions.CurrentAsync(context);
        if (session is null || session.Tenant != tenant)
        {
            return Results.Redirect(ConsoleEndpoints.Prefix + "/" + U(tenant) + "/sign-in?return=" + U(ConsentPage(tenant, id)));
        }

        var (agent, refusal) = await ResolveAsync(host, documents, pending, session, context.RequestAborted);
        if (agent is null && OpenToSeveralTenants(host, pending))
        {
            // A request of several tenants: another may have the person's agent. Kept, and the choice is one link away.
            return Page("No agent for you here", session, "<p role=\"alert\">" + E(refusal) + "</p><p><a href=\"" + E(ChoicePage(id))
                + "\">Choose another organisation</a>, or start again from your client.</p>", StatusCodes.Status403Forbidden);
        }

        if (agent is null)
        {
            await grants.TakeRequestAsync(id, context.RequestAborted);
            return Results.Redirect(AuthorizationResponse.Error(pending.RedirectUri, "access_denied", refusal, pending.State, pending.Issuer));
        }

        pending = Bind(pending, agent);
        var earlier = Standing(await grants.GetConsentAsync(tenant, session.Issuer, session.Subject, pending.ClientId, context.RequestAborted), agent, time.GetUtcNow());
        if (earlier is not null && earlier.Covers(pending.Scopes) && await grants.TakeRequestAsync(id, context.RequestAborted) is { } taken)
        {
            // Remembered (every scope asked for among those allowed before, within the agent's max_session as the bundle
            // says now): no page, a code under the same consent.
            return Results.Redirect(await IssueCodeAsync(grants, Bind(taken, agent), agent, session, earlier, context.RequestAborted));
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

        // The declared scopes it asks for, and those allowed before that this consent renews (the same the POST keeps):
        // the tools each lets it use (others the scopes cover stay out of its reach).
        AppendScopes(body, "It asks for these scopes:", agent, pending.Scopes);
        AppendScopes(body, "And these, already allowed, renewed with this consent:", agent, Carried(earlier, agent, pending));

        body.Append("<p>For at most ").Append(E(Duration(agent.Access.MaxSession))).Append(", until you revoke it on <a href=\"")
            .Append(ConsoleEndpoints.Prefix).Append('/').Append(E(U(tenant))).Append("/clients\">your clients page</a>. It will be sent back to <code>")
            .Append(E(pending.RedirectUri)).Append("</code>.</p><form method=\"post\" action=\"").Append(ConsoleEndpoints.Prefix).Append('/').Append(E(U(tenant)))
            .Append("/authorize\">").Append(Csrf(session)).Append("<input type=\"hidden\" name=\"request\" value=\"").Append(E(id))
            .Append("\"><input type=\"hidden\" name=\"agent\" value=\"").Append(E(agent.Agent))
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

    private static async Task<IResult> DecideAsync(HttpContext context, string tenant, InteractiveGrants grants, IInteractiveHost host, ClientMetadataDocuments documents, ConsoleSessions sessions, TimeProvider time)
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
        if (pending is null || (pending.Tenant.Length > 0 && pending.Tenant != tenant))
        {
            return Refusal(StatusCodes.Status400BadRequest, "oauth_request_expired", "This authorization request expired or was already answered. Start again from your client.", session);
        }

        // An open request's agent is chosen again as the bundle says now: it must be the one the page named.
        var (agent, refusal) = await ResolveAsync(host, documents, pending, session, context.RequestAborted);
        if (agent is null || form["decision"] != "approve" || (pending.Agent.Length == 0 && form["agent"] != agent.Agent))
        {
            var why = agent is null ? refusal
                : form["decision"] != "approve" ? "The person did not allow this client."
                : "The agent this client would act as is not the one the page named any more; start again.";
            return Results.Redirect(AuthorizationResponse.Error(pending.RedirectUri, "access_denied", why, pending.State, pending.Issuer));
        }

        pending = Bind(pending, agent);
        var now = time.GetUtcNow();
        // The scopes allowed before by a consent that still stands (the page's check, and the page listed them) stay
        // allowed; those asked for now join them. A lapsed consent's scopes are not renewed by this one.
        var earlier = Standing(await grants.GetConsentAsync(tenant, session.Issuer, session.Subject, pending.ClientId, context.RequestAborted), agent, now);
        var consent = new PersonConsent(pending.ClientId, agent.Workspace, agent.Agent, now, now + agent.Access.MaxSession)
        {
            Scopes = [.. Carried(earlier, agent, pending).Concat(pending.Scopes)],
        };
        try
        {
            await grants.SaveConsentAsync(tenant, session.Issuer, session.Subject, consent, context.RequestAborted);
        }
        catch (InteractiveIndexFullException)
        {
            return Results.Redirect(IndexFull(pending));
        }

        await ConsoleAudit.RecordAsync(context, session, "consent.grant", agent.Agent,
            reason: "allowed client " + pending.ClientId + (consent.Scopes.Count > 0 ? " with scopes " + string.Join(' ', consent.Scopes) : string.Empty) + " until " + consent.Ends.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        return Results.Redirect(await IssueCodeAsync(grants, pending, agent, session, consent, context.RequestAborted));
    }

    /// <summary>
    /// The agents that accept the pending request's client with its redirect URI, as the bundle says now: the request's
    /// own agent; for an open one (its agent chosen at the consent), those of its tenant, or of every tenant, that list
    /// the client (or, for a client that registered itself, that accept such clients), as <c>/oauth/authorize</c> found them.
    /// </summary>
    private static IEnumerable<InteractiveAgent> Candidates(IInteractiveHost host, PendingAuthorization pending)
    {
        IEnumerable<InteractiveAgent> found = pending.Agent.Length > 0
            ? host.Find(pending.Tenant, pending.Agent, pending.ClientId) is { } own ? [own] : []
            : host.FindByClient(pending.ClientId) is { Count: > 0 } listed ? listed : host.FindForRegisteredClient(pending.ClientId);
        return found.Where(a => (pending.Tenant.Length == 0 || a.Tenant == pending.Tenant)
            && (a.Client.IsMetadataDocument || a.Client.Registered || RedirectUris.Match(a.Client.RedirectUris, pending.RedirectUri) is not null));
    }

    /// <summary>
    /// True when the pending request is open (its tenant chosen at the consent) and agents of more than one tenant accept it
    /// as the bundle says now: one whose candidates narrowed to one tenant (a reload) has no other to choose.
    /// </summary>
    private static bool OpenToSeveralTenants(IInteractiveHost host, PendingAuthorization pending) =>
        pending.Tenant.Length == 0 && Candidates(host, pending).Select(static a => a.Tenant).Distinct(StringComparer.Ordinal).Skip(1).Any();

    /// <summary>True when the pending request may be answered on <paramref name="tenant"/>'s consent page: its tenant's, or for a request of several tenants one of theirs.</summary>
    private static bool IsFor(IInteractiveHost host, PendingAuthorization pending, string tenant) =>
        pending.Tenant.Length > 0 ? pending.Tenant == tenant : Candidates(host, pending).Any(a => a.Tenant == tenant);

    /// <summary>
    /// The agent the session's person may use the client as, in their tenant: the request's own, or for an open request
    /// the one there whose block lists them (a metadata document's redirect URIs read again: the document was checked
    /// for the request, not for this tenant's entry); else null and why.
    /// </summary>
    private static async Task<(InteractiveAgent? Agent, string Refusal)> ResolveAsync(IInteractiveHost host, ClientMetadataDocuments documents, PendingAuthorization pending, ConsoleSession session, CancellationToken ct)
    {
        var person = Person(session);
        var agents = Candidates(host, pending).Where(a => a.Tenant == session.Tenant && a.Access.Allows(person)).ToList();
        if (pending.Agent.Length == 0 && agents.Exists(static a => a.Client.IsMetadataDocument))
        {
            var (uris, _) = await documents.RedirectUrisAsync(pending.ClientId, ct);
            agents.RemoveAll(a => a.Client.IsMetadataDocument && (uris is null || RedirectUris.Match(uris, pending.RedirectUri) is null));
        }

        return agents.Count switch
        {
            1 => (agents[0], string.Empty),
            0 => (null, "This person may not use this client as an agent of this tenant."),
            _ => (null, "More than one agent of this tenant accepts this client for this person; give each agent's client its own id."),
        };
    }

    /// <summary>The request bound to the agent chosen for it, with the scopes asked for that the agent declares now.</summary>
    private static PendingAuthorization Bind(PendingAuthorization pending, InteractiveAgent agent) =>
        pending with { Tenant = agent.Tenant, Agent = agent.Agent, Scopes = agent.Access.Declared(pending.Scopes) };

    /// <summary>
    /// The person's earlier consent to the client as this agent while it still stands: within the agent's
    /// <c>max_session</c> as the bundle says now, counted from it; else null. The page and the POST both read it so.
    /// </summary>
    private static PersonConsent? Standing(PersonConsent? consent, InteractiveAgent agent, DateTimeOffset now) =>
        consent is not null && consent.Agent == agent.Agent && consent.Workspace == agent.Workspace && consent.Granted + agent.Access.MaxSession > now
            ? consent
            : null;

    /// <summary>The scopes a standing earlier consent allowed that the agent still declares and the request does not ask for: renewed with the new consent.</summary>
    private static IReadOnlyList<string> Carried(PersonConsent? earlier, InteractiveAgent agent, PendingAuthorization pending) =>
        earlier is null ? [] : [.. agent.Access.Declared(earlier.Scopes).Where(s => !pending.Scopes.Contains(s, StringComparer.Ordinal))];

    private static void AppendScopes(StringBuilder body, string heading, InteractiveAgent agent, IReadOnlyList<string> names)
    {
        if (names.Count == 0)
        {
            return;
        }

        body.Append("<p>").Append(E(heading)).Append("</p><ul>");
        foreach (var scope in agent.Access.Scopes.Where(s => names.Contains(s.Name, StringComparer.Ordinal)))
        {
            body.Append("<li><code>").Append(E(scope.Name)).Append("</code>: ").Append(E(string.Join(", ", scope.Tools))).Append("</li>");
        }

        body.Append("</ul>");
    }

    private static string RequestId(HttpContext context) => context.Request.Query["request"].Count == 1 ? context.Request.Query["request"][0]! : string.Empty;

    private static string ConsentPage(string tenant, string id) => ConsoleEndpoints.Prefix + "/" + U(tenant) + "/authorize?request=" + U(id);

    private static string ChoicePage(string id) => ConsoleEndpoints.Prefix + "/authorize?request=" + U(id);

    private static ActingPerson Person(ConsoleSession session) => new(session.Subject, session.Issuer, session.Groups ?? []);

    private static async Task<string> IssueCodeAsync(InteractiveGrants grants, PendingAuthorization pending, InteractiveAgent agent, ConsoleSession session, PersonConsent consent, CancellationToken ct)
    {
        // The consent's end, or its max_session as the bundle says now when that was shortened since.
        var ends = consent.Granted + agent.Access.MaxSession < consent.Ends ? consent.Granted + agent.Access.MaxSession : consent.Ends;
        string? family;
        try
        {
            // Under this consent still: one revoked while the family started (the clients page, a back-channel logout) gives no code.
            family = await grants.StartFamilyUnderConsentAsync(pending.Tenant, session.Issuer, session.Subject, consent, ends, ct);
        }
        catch (InteractiveIndexFullException)
        {
            return IndexFull(pending);
        }

        if (family is null)
        {
            return AuthorizationResponse.Error(pending.RedirectUri, "access_denied", "The consent to this client was revoked while it was being used; start again from your client.", pending.State, pending.Issuer);
        }

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

    /// <summary>The client's answer when the person's consents, or the consent's token families, are at <see cref="InteractiveGrants.MaxIndexed"/>.</summary>
    private static string IndexFull(PendingAuthorization pending) =>
        AuthorizationResponse.Error(pending.RedirectUri, "temporarily_unavailable", "You hold as many live consents, or this client as many live sessions, as one person may: revoke some on your clients page, or wait for them to expire.", pending.State, pending.Issuer);

    private static string Duration(TimeSpan span) =>
        span.TotalDays >= 1 && span.TotalDays == Math.Floor(span.TotalDays) ? $"{span.TotalDays:0} days"
        : span.TotalHours >= 1 && span.TotalHours == Math.Floor(span.TotalHours) ? $"{span.TotalHours:0} hours"
        : $"{span.TotalMinutes:0} minutes";
}
