namespace Gateway.Proxy.Console;

/// <summary>
/// Who may see a console page: a live session of the route's tenant (else: sign in to that tenant; a session of another
/// tenant never shows this one's data) with one of the page's roles, as the current configuration gives them (a session
/// with no role at all is refused with <c>console_no_role</c>, and stays: it still shows the person their own clients and connections); for a state-changing POST, also the session's CSRF
/// token in the form's <c>csrf</c> field.
/// </summary>
internal static class ConsoleGuard
{
    /// <summary>The session, or the answer to give instead (sign-in redirect, or 403).</summary>
    public static async ValueTask<(ConsoleSession? Session, IResult? Refusal)> ReadAsync(HttpContext context, string tenant, IReadOnlyList<string> roles)
    {
        var sessions = context.RequestServices.GetRequiredService<ConsoleSessions>();
        var session = await sessions.CurrentAsync(context);
        if (session is null || !string.Equals(session.Tenant, tenant, StringComparison.Ordinal))
        {
            return (null, Results.Redirect("/console/" + Uri.EscapeDataString(tenant) + "/sign-in"));
        }

        if (session.Roles.Count == 0)
        {
            // No group of the person's gives a console role (they signed in only to consent for a client, or the mapping was
            // removed): refused, and the session stays. A GET, which any site can make with a link, never ends a session.
            return (null, ConsoleHtml.Refusal(StatusCodes.Status403Forbidden, "console_no_role",
                "Your groups give no console role in this tenant, so this page is not open to you; your own clients and connections are.", session));
        }

        return session.HasAny(roles)
            ? (session, null)
            : (null, ConsoleHtml.Refusal(StatusCodes.Status403Forbidden, "console_role_required", "Your console roles do not include this page (needs one of: " + string.Join(", ", roles) + ").", session));
    }

    /// <summary>As <see cref="ReadAsync"/>, and the form's CSRF token must be the session's; answers the form too.</summary>
    public static async ValueTask<(ConsoleSession? Session, IFormCollection? Form, IResult? Refusal)> WriteAsync(HttpContext context, string tenant, IReadOnlyList<string> roles)
    {
        var (session, refusal) = await ReadAsync(context, tenant, roles);
        if (session is null)
        {
            // A POST without a session is refused outright: no redirect a cross-site form could ride.
            return (null, null, refusal is IStatusCodeHttpResult { StatusCode: StatusCodes.Status403Forbidden }
                ? refusal
                : ConsoleHtml.Refusal(StatusCodes.Status401Unauthorized, "console_sign_in_required", "Sign in again; nothing was changed."));
        }

        var form = await ReadFormAsync(context);
        if (form is null || !ConsoleSessions.CsrfMatches(session, form["csrf"].Count == 1 ? form["csrf"][0] : null))
        {
            return (null, null, ConsoleHtml.Refusal(StatusCodes.Status403Forbidden, "console_csrf_invalid", "The form's CSRF token is missing or not this session's; nothing was changed.", session));
        }

        return (session, form, null);
    }

    /// <summary>
    /// The request's form, or null when it is not one; a form past the form reader's limits (more than 1024 fields, a
    /// key over 2048 characters) is the server's refusal of a malformed body (400, <c>DependencyFailures</c>), never a 500.
    /// </summary>
    public static async ValueTask<IFormCollection?> ReadFormAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            return null;
        }

        try
        {
            return await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (InvalidDataException ex)
        {
            throw new BadHttpRequestException("The form exceeds the limits of the form reader.", StatusCodes.Status400BadRequest, ex);
        }
    }
}
