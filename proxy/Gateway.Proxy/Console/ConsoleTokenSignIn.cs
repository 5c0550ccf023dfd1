using System.Security.Cryptography;
using System.Text;
using Gateway.Admin.Tokens;
using Gateway.Oversight.Hosting;
using Gateway.Oversight.Register;
using Gateway.Policy;
using static Gateway.Proxy.Console.ConsoleHtml;

namespace Gateway.Proxy.Console;

/// <summary>
/// Sign-in with an admin token (the ones <c>gatewayctl</c> uses), for <c>make run</c> only: mapped in the Development
/// environment and nowhere else (its routes answer 404 outside it). The token is checked by the admin API's own
/// <see cref="AdminTokenService"/> (hash lookup, bootstrap compared in constant time, revocation) behind the admin API's
/// failure throttle; the session gets the token's roles in the route's tenant (approver only for a token bound to a
/// person of that tenant, as on the admin API), its person, who minted it (so one minter's tokens count as one
/// approval), and the token's hash (revoking the token ends the session). The form carries a random value that must equal a short-lived HttpOnly cookie's (login CSRF: a page on
/// another site cannot sign this browser in as someone else). A person sent here by an interactive client's
/// authorization (<c>return</c>: the tenant's consent page, nothing else) goes back there signed in, no console role
/// needed, as a person signed in at the provider does; the <c>interactive:</c> block decides (its
/// <c>sign_in: development_admin_token</c>, the person <c>admin-token:&lt;token name&gt;</c>).
/// </summary>
internal static partial class ConsoleTokenSignIn
{
    private const string FormCookie = "gamut_console_token_form";

    public static void Map(RouteGroupBuilder console, IHostEnvironment environment)
    {
        if (!environment.IsDevelopment())
        {
            return;
        }

        console.MapGet("/{tenant}/token-sign-in", FormAsync);
        console.MapPost("/{tenant}/token-sign-in", SignInAsync);
    }

    /// <summary>The form's path, with the consent page to return to when given.</summary>
    public static string Path(string tenant, string? returnTo) =>
        "/console/" + Uri.EscapeDataString(tenant) + "/token-sign-in" + (returnTo is null ? string.Empty : "?return=" + Uri.EscapeDataString(returnTo));

    /// <summary>The link the home page and the sign-in page show in Development.</summary>
    public static string Link(string tenant) =>
        "<a href=\"/console/" + E(U(tenant)) + "/token-sign-in\">Sign in to " + E(tenant) + " with an admin token (Development only)</a>";

    private static IResult FormAsync(HttpContext context, string tenant, IRegisterDirectory register)
    {
        if (!register.HasTenant(tenant))
        {
            return Refusal(StatusCodes.Status404NotFound, "console_tenant_unknown", "No such tenant.");
        }

        var returnTo = context.Request.Query["return"].Count == 1 ? context.Request.Query["return"][0] : null;
        if (returnTo is not null && !ConsoleSignIn.IsConsentPage(tenant, returnTo))
        {
            return Refusal(StatusCodes.Status400BadRequest, "console_return_invalid", "A sign-in returns only to this tenant's consent page.");
        }

        var check = ConsoleSessions.RandomToken();
        ConsoleCookies.Append(context, FormCookie, check, TimeSpan.FromMinutes(10));
        var body = new StringBuilder()
            .Append("<p>Development only: sign in with an admin token, as <code>gatewayctl</code> uses (<code>gatewayctl tokens issue</code>; ")
            .Append("<code>make run</code> prints its demo admin token). ")
            .Append(returnTo is null ? "The session gets the token's roles in this tenant.</p>" : "Then you are asked whether the client may act for you.</p>")
            .Append("<form method=\"post\" action=\"/console/").Append(E(U(tenant))).Append("/token-sign-in\">")
            .Append("<input type=\"hidden\" name=\"check\" value=\"").Append(E(check)).Append("\">")
            .Append(returnTo is null ? string.Empty : "<input type=\"hidden\" name=\"return\" value=\"" + E(returnTo) + "\">")
            .Append("<label for=\"admin-token\">Admin token</label>")
            .Append("<input id=\"admin-token\" name=\"token\" type=\"password\" autocomplete=\"off\" required maxlength=\"512\" size=\"60\">")
            .Append("<button type=\"submit\">Sign in</button></form>");
        return Page("Sign in to " + tenant + " with an admin token", null, body.ToString());
    }

    private static async Task<IResult> SignInAsync(HttpContext context, string tenant, IRegisterDirectory register, AdminTokenService tokens, AdminAuthThrottle throttle, ConsoleSessions sessions, ILogger<ConsoleSessions> logger)
    {
        var cookie = ConsoleCookies.Read(context, FormCookie);
        ConsoleCookies.Delete(context, FormCookie);
        var form = await ConsoleGuard.ReadFormAsync(context);
        var check = form is not null && form["check"].Count == 1 ? form["check"][0] : null;
        if (string.IsNullOrEmpty(check) || string.IsNullOrEmpty(cookie) || check.Length > 128
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(check), Encoding.UTF8.GetBytes(cookie)))
        {
            return Refusal(StatusCodes.Status400BadRequest, "console_state_mismatch", "This sign-in form was not opened in this browser. Open it again.");
        }

        if (!register.HasTenant(tenant))
        {
            return Refusal(StatusCodes.Status404NotFound, "console_tenant_unknown", "No such tenant.");
        }

        var returnTo = form!["return"].Count == 1 ? form["return"][0] : null;
        if (returnTo is not null && !ConsoleSignIn.IsConsentPage(tenant, returnTo))
        {
            return Refusal(StatusCodes.Status400BadRequest, "console_return_invalid", "A sign-in returns only to this tenant's consent page.");
        }

        var source = ClientSource.Of(context.Connection.RemoteIpAddress);
        if (throttle.RetryAfter(source) is not null)
        {
            return Refusal(StatusCodes.Status429TooManyRequests, "auth_throttled", "Too many failed sign-ins from this address; wait and try again.");
        }

        var token = form!["token"].Count == 1 ? form["token"][0]?.Trim() : null;
        var result = await tokens.AuthenticateAsync(token, context.RequestAborted);
        if (result.Status == AdminAuthStatus.PersonSuspended)
        {
            LogRefused(logger, tenant, "console_person_suspended");
            return Refusal(StatusCodes.Status403Forbidden, "console_person_suspended", "Your console access is suspended.");
        }

        if (result.Status != AdminAuthStatus.Authenticated || result.Principal is not { } principal)
        {
            if (result.Status is AdminAuthStatus.Invalid or AdminAuthStatus.Revoked)
            {
                throttle.RecordFailure(source);
            }

            LogRefused(logger, tenant, "console_admin_token_invalid");
            return Refusal(StatusCodes.Status401Unauthorized, "console_admin_token_invalid", "That admin token is unknown or revoked.");
        }

        if (!principal.MayActIn(tenant))
        {
            LogRefused(logger, tenant, "console_tenant_forbidden");
            return Refusal(StatusCodes.Status403Forbidden, "console_tenant_forbidden", "That admin token is confined to another tenant.");
        }

        var roles = RolesOf(principal, tenant);
        if (roles.Count == 0 && returnTo is null)
        {
            LogRefused(logger, tenant, "console_no_role");
            return Refusal(StatusCodes.Status403Forbidden, "console_no_role", "That admin token gives no console role in this tenant.");
        }

        var subject = InteractiveAccess.AdminTokenIssuer + ":" + principal.Name;
        if (await sessions.IsSuspendedAsync(tenant, InteractiveAccess.AdminTokenIssuer, subject, context.RequestAborted))
        {
            return Refusal(StatusCodes.Status403Forbidden, "console_person_suspended", "Your console access is suspended.");
        }

        var session = await sessions.StartAsync(context, tenant, subject, InteractiveAccess.AdminTokenIssuer, principal.AccountableAs, roles, principal.VotesAs, adminToken: AdminTokenService.HashToken(token!));

        LogSignedIn(logger, tenant, session.Person, string.Join(',', roles));
        var home = session.Has(ConsoleRoles.Approver) ? "/approvals" : "/audit";
        return Results.Redirect(returnTo ?? "/console/" + Uri.EscapeDataString(tenant) + home);
    }

    /// <summary>The admin API's roles as console roles: approver (bound to a person of this tenant), auditor, admin.</summary>
    private static List<string> RolesOf(AdminPrincipal principal, string tenant)
    {
        var roles = new List<string>(3);
        if (principal.Roles.Contains(AdminRoles.Approver) && principal.Person is not null && string.Equals(principal.Tenant, tenant, StringComparison.Ordinal))
        {
            roles.Add(ConsoleRoles.Approver);
        }

        if (principal.Roles.Contains(AdminRoles.Auditor))
        {
            roles.Add(ConsoleRoles.Auditor);
        }

        if (principal.Roles.Contains(AdminRoles.Admin))
        {
            roles.Add(ConsoleRoles.Admin);
        }

        return roles;
    }

    [LoggerMessage(EventId = 1203, Level = LogLevel.Information, Message = "Console (Development): {Person} signed in to tenant {Tenant} with an admin token as {Roles}")]
    private static partial void LogSignedIn(ILogger logger, string tenant, string person, string roles);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Information, Message = "Console (Development): an admin-token sign-in to tenant {Tenant} was refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string tenant, string reason);
}
