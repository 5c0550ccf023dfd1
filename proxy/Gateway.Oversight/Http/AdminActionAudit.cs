using Gateway.Oversight.Audit;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Oversight.Http;

/// <summary>
/// Writes a tenant-scoped admin action to the tenant's audit chain before the response is sent
/// (decision <c>admin_action</c>, tool <c>admin.&lt;action&gt;</c>, actor = the token's name).
/// </summary>
internal static class AdminActionAudit
{
    public const string Decision = "admin_action";

    public static ValueTask<AuditRecord> RecordAsync(HttpContext context, string tenant, string action, string? agent = null, string? approvalId = null, string? subject = null)
    {
        var journal = context.RequestServices.GetRequiredService<AuditJournal>();
        return journal.AppendAsync(
            new AuditEntry
            {
                Tenant = tenant,
                Agent = agent ?? "-",
                Tool = "admin." + action,
                Connector = subject,
                RequestId = context.TraceIdentifier,
                Decision = Decision,
                StatusCode = StatusCodes.Status200OK,
                ApprovalId = approvalId,
                Actor = AdminAuthFilter.Principal(context).Name,
            },
            context.RequestAborted);
    }
}
