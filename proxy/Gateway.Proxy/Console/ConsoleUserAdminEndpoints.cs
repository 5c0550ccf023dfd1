using Gateway.Audit;
using Gateway.Admin;
using Gateway.Admin.Tokens;
using Gateway.Admin.Http;

namespace Gateway.Proxy.Console;

/// <summary>
/// <c>POST /admin/v1/tenants/{tenant}/console-users/{subject}/suspend</c> and <c>…/resume</c> (role <c>admin</c>): a
/// suspended person's console sessions end at once (every replica: they live in the shared store) and they cannot sign
/// in again until resumed. <c>{subject}</c> is the provider's <c>sub</c>. Written to the tenant's audit chain.
/// <c>GET /admin/v1/tenants/{tenant}/console-users</c> (role <c>admin</c>) lists who signed in or was suspended, with their
/// live session counts (<see cref="ConsoleSessions.ListAsync"/>).
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
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "subject must be 1..255 characters", extensions: new Dictionary<string, object?> { ["code"] = "invalid_subject" });
        }

        var ended = 0;
        if (suspend)
        {
            ended = await sessions.SuspendAsync(tenant, subject, context.RequestAborted);
        }
        else
        {
            await sessions.ResumeAsync(tenant, subject, context.RequestAborted);
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
        return Results.Json(new ConsoleUserStatus(tenant, subject, suspend, ended), ConsoleJsonContext.Default.ConsoleUserStatus);
    }
}
