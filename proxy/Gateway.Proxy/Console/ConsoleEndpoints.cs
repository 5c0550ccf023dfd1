using System.Text;
using Gateway.Authorization.Interactive;
using Microsoft.Extensions.Options;
using static Gateway.Proxy.Console.ConsoleHtml;

namespace Gateway.Proxy.Console;

/// <summary>
/// Maps the console at <c>/console</c>: the home page (the tenants one can sign in to), sign-in (rate limited per client
/// address: <see cref="InteractiveRateLimit"/>) and its callback,
/// sign-out, the provider's back-channel logout (<see cref="ConsoleBackChannelLogout"/>), and the pages (approvals, audit journal, incidents, agents). Every answer carries
/// <see cref="ConsoleSecurityHeaders"/>; no route is mapped when <see cref="ConsoleOptions.Enabled"/> is false.
/// </summary>
internal static class ConsoleEndpoints
{
    public const string Prefix = "/console";

    public static IEndpointRouteBuilder MapGatewayConsole(this IEndpointRouteBuilder app)
    {
        if (!app.ServiceProvider.GetRequiredService<IOptions<ConsoleOptions>>().Value.Enabled)
        {
            return app;
        }

        var console = app.MapGroup(Prefix).ExcludeFromDescription().AddEndpointFilter(ConsoleDependencyFailures.InvokeAsync);
        var environment = app.ServiceProvider.GetRequiredService<IHostEnvironment>();
        console.MapGet("/", (ConsoleSignIn signIn, Gateway.Proxy.Bundle.PolicyProvider policy) => Home(signIn, policy, environment));
        console.MapGet("/console.css", static () => Results.Text(Stylesheet, "text/css; charset=utf-8"));
        console.MapGet("/{tenant}/sign-in", async (HttpContext c, string tenant, ConsoleSignIn signIn, InteractiveRateLimit limit) =>
            environment.IsDevelopment() && signIn.ProviderOf(tenant) is null
                ? Results.Redirect(ConsoleTokenSignIn.Path(tenant, ReturnTo(c)))
                : await limit.RefuseAsync(c, InteractiveRateLimit.ConsoleSignIn, SignInRefused) ?? Answer(await signIn.StartAsync(c, tenant, ReturnTo(c))));
        console.MapGet("/{tenant}/callback", static async (HttpContext c, string tenant, ConsoleSignIn signIn) => Answer(await signIn.CallbackAsync(c, tenant)));
        console.MapPost("/sign-out", SignOutAsync);
        console.MapPost("/{tenant}/backchannel-logout", static (HttpContext c, string tenant, ConsoleBackChannelLogout logout) => logout.HandleAsync(c, tenant));
        ConsoleTokenSignIn.Map(console, environment);
        ConsoleApprovalPages.Map(console);
        ConsoleJournalPages.Map(console);
        ConsoleAgentPages.Map(console);
        ConsoleRunPages.Map(console);
        ConsoleAuthorizePages.Map(console);
        ConsoleClientPages.Map(console);
        ConsoleConnectionPages.Map(console);
        ConsoleLinkPages.Map(console);
        ConsoleLinkPages.MapPublic(app);
        return app;
    }

    /// <summary>
    /// The tenants one can sign in to; in Development also every tenant of the register with an admin token. The page
    /// promises only what it offers: the identity provider's sign-in where a tenant has one, the admin token otherwise.
    /// </summary>
    private static IResult Home(ConsoleSignIn signIn, Gateway.Proxy.Bundle.PolicyProvider policy, IHostEnvironment environment)
    {
        var providers = signIn.Tenants.ToList();
        var body = new StringBuilder();
        if (providers.Count > 0)
        {
            body.Append("<p>Sign in through your organisation's identity provider.</p><ul>");
            foreach (var tenant in providers)
            {
                body.Append("<li><a href=\"/console/").Append(E(U(tenant))).Append("/sign-in\">Sign in to ").Append(E(tenant)).Append("</a></li>");
            }

            body.Append("</ul>");
        }

        var tokenTenants = environment.IsDevelopment() && policy.Current is { } snapshot
            ? snapshot.Set.Tenants.Keys.Order(StringComparer.Ordinal).ToList()
            : [];
        if (tokenTenants.Count > 0)
        {
            body.Append(providers.Count == 0
                ? "<p>No tenant has an identity provider for the console yet (<code>Gateway:Console:Tenants</code>, docs/console.md). "
                    + "This gateway runs in Development, so you can sign in with an admin token instead (<code>gatewayctl tokens issue</code>).</p><ul>"
                : "<p>Development only: or sign in with an admin token (<code>gatewayctl tokens issue</code>).</p><ul>");
            foreach (var tenant in tokenTenants)
            {
                body.Append("<li>").Append(ConsoleTokenSignIn.Link(tenant)).Append("</li>");
            }

            body.Append("</ul>");
        }
        else if (providers.Count == 0)
        {
            body.Append("<p>No tenant has an identity provider for the console (<code>Gateway:Console:Tenants</code>, docs/console.md): nobody can sign in yet.</p>");
        }

        return Page("Sign in", null, body.ToString());
    }

    /// <summary>
    /// Sign-out is a POST with the session's CSRF token (a cross-site page cannot sign a person out either); it ends the
    /// session here, then sends the browser to the provider's <c>end_session_endpoint</c> when its discovery names one
    /// (<see cref="ConsoleSignIn.EndSessionUrlAsync"/>).
    /// </summary>
    private static async Task<IResult> SignOutAsync(HttpContext context, ConsoleSessions sessions, ConsoleSignIn signIn)
    {
        var session = await sessions.CurrentAsync(context);
        if (session is not null)
        {
            var form = await ConsoleGuard.ReadFormAsync(context);
            if (form is null || !ConsoleSessions.CsrfMatches(session, form["csrf"].Count == 1 ? form["csrf"][0] : null))
            {
                return Refusal(StatusCodes.Status403Forbidden, "console_csrf_invalid", "The form's CSRF token is missing or not this session's.", session);
            }
        }

        var idToken = session is null ? null : ConsoleSessions.IdTokenOf(context, session);
        await sessions.EndAsync(context);
        if (session is not null && await signIn.EndSessionUrlAsync(context, session, idToken) is { } endSession)
        {
            // Not a 302: the pages' CSP (form-action 'self') forbids a form's redirect to another origin; a declarative refresh, with a link.
            context.Response.Headers["Refresh"] = "0;url=" + endSession;
            return Page("Signed out", null, "<p>You are signed out here. <a href=\"" + E(endSession)
                + "\">Continue to sign out at your identity provider</a> (your browser goes there by itself).</p>");
        }

        return Page("Signed out", null, "<p>You are signed out. <a href=\"/console\">Sign in again</a></p>");
    }

    /// <summary>The sign-in's <c>return</c> (the consent page a person signs in for), or null.</summary>
    private static string? ReturnTo(HttpContext context) => context.Request.Query["return"].Count == 1 ? context.Request.Query["return"][0] : null;

    /// <summary>A sign-in start over its rate limit (each keeps a flow in the store), or the store unreachable: the refusal page.</summary>
    private static IResult SignInRefused(int status, string description) =>
        Refusal(status, status == StatusCodes.Status429TooManyRequests ? "console_sign_in_rate_limited" : "store_unavailable", description);

    private static IResult Answer(ConsoleOutcome outcome) =>
        outcome.Location is { } location ? Results.Redirect(location) : Refusal(outcome.Status, outcome.Code!, outcome.Message!);
}
