using Gateway.Audit;
using Gateway.Admin;
using Gateway.Admin.Tokens;
using Gateway.Admin.Http;
using Gateway.Policy;
using Gateway.Proxy.Bundle;

namespace Gateway.Proxy.Console;

/// <summary>
/// <c>POST /admin/v1/tenants/{tenant}/console-users/{subject}/suspend</c> and <c>…/resume</c> (role <c>admin</c>): a
/// suspended person's console sessions end at once (every replica: they live in the shared store) and they cannot sign
/// in again until resumed. A console user is an issuer and a subject: <c>{subject}</c> is the <c>sub</c> at the issuer the
/// query's <c>issuer</c> names, by default the tenant's OpenID provider as the bundle names it now (in Development, a subject
/// <c>admin-token:&lt;name&gt;</c> is by default the admin-token sign-in's, issuer <c>admin-token</c>). Written to the tenant's
/// audit chain. <c>GET /admin/v1/tenants/{tenant}/console-users</c> (role <c>admin</c>) lists who signed in or was suspended,
/// with their issuers and live session counts (<see cref="ConsoleSessions.ListAsync"/>).
/// </summary>
internal static class ConsoleUserAdminEndpoints
{
    public static RouteGroupBuilder MapConsoleUserAdmin(this RouteGroupBuilder admin)
    {
        admin.MapGet("/tenants/{tenant}/console-users", static async (HttpContext c, string tenant, ConsoleSessions s) =>
                Results.Json(new ConsoleUserList(tenant, await s.ListAsync(tenant, c.RequestAborted)), ConsoleJsonContext.Default.ConsoleUserList))
            .WithMetadata(new AdminRolesMetadata(AdminRoles.Admin));
        var users = admin.MapGroup("/tenants/{tenant}/console-users/{subject}").WithMetadata(new AdminRolesMetadata(AdminRoles.Admin));
        users.MapPost("/suspend", static (HttpContext c, string tenant, string subject, ConsoleSessions s, AuditJournal j) => ChangeAsync(c, tenant, subject, suspend: true, s, j));
        users.MapPost("/resume", static (HttpContext c, string tenant, string subject, ConsoleSessions s, AuditJournal j) => ChangeAsync(c, tenant, subject, suspend: false, s, j));
        return admin.MapConsentAdmin().MapConnectionAdmin();
    }

    private static async Task<IResult> ChangeAsync(HttpContext context, string tenant, string subject, bool suspend, ConsoleSessions sessions, AuditJournal journal)
    {
        if (subject.Length is 0 or > 255)
        {
            return Invalid("invalid_subject", "subject must be 1..255 characters");
        }

        if (IssuerOf(context, tenant, subject) is not { } issuer)
        {
            return Invalid("invalid_issuer", "issuer must be given at most once, 1..2048 characters without control characters; name it when the tenant has no OpenID provider");
        }

        var ended = 0;
        if (suspend)
        {
            ended = await sessions.SuspendAsync(tenant, issuer, subject, context.RequestAborted);
        }
        else
        {
            await sessions.ResumeAsync(tenant, issuer, subject, context.RequestAborted);
        }

        await journal.AppendAsync(new AuditEntry
        {
            Tenant = tenant,
            Agent = "-",
            Tool = suspend ? "admin.console_user.suspend" : "admin.console_user.resume",
            RequestId = context.TraceIdentifier,
            Decision = "admin_action",
            StatusCode = StatusCodes.Status200OK,
            Actor = AdminEndpointRouteBuilderExtensions.AdminPrincipalOf(context).Name,
            Person = subject,
        }, context.RequestAborted);
        return Results.Json(new ConsoleUserStatus(tenant, subject, issuer, suspend, ended), ConsoleJsonContext.Default.ConsoleUserStatus);
    }

    /// <summary>
    /// The issuer the request names (<c>?issuer=</c>), else the tenant's OpenID provider's as the bundle names it now; in
    /// Development, a subject <c>admin-token:&lt;name&gt;</c>, or any subject of a tenant with no provider, is the admin-token
    /// sign-in's. Null: named badly, or nothing to default to.
    /// </summary>
    private static string? IssuerOf(HttpContext context, string tenant, string subject)
    {
        var named = context.Request.Query["issuer"];
        if (named.Count > 0)
        {
            return named.Count == 1 && ConsolePersonSuspensions.IsIssuer(named[0]) ? named[0] : null;
        }

        var development = context.RequestServices.GetRequiredService<IHostEnvironment>().IsDevelopment();
        if (development && subject.StartsWith(InteractiveAccess.AdminTokenIssuer + ":", StringComparison.Ordinal))
        {
            return InteractiveAccess.AdminTokenIssuer;
        }

        var policy = context.RequestServices.GetRequiredService<PolicyProvider>();
        return policy.Current?.Set is { } set && set.TryGetTenant(tenant, out var tenantPolicy) && tenantPolicy!.Register.OpenIdProvider is { } provider
            ? provider.IssuerText
            : development ? InteractiveAccess.AdminTokenIssuer : null;
    }

    private static IResult Invalid(string code, string title) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: title, extensions: new Dictionary<string, object?> { ["code"] = code });
}
