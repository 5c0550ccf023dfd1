using Gateway.Audit;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Admin.Http;

/// <summary>
/// Writes a tenant-scoped admin action to the tenant's audit chain before the response is sent
/// (decision <c>admin_action</c>, tool <c>admin.&lt;action&gt;</c>, actor = the token's name), and
/// refused admin calls the tenant should know of (decision <c>admin_refused</c>).
/// </summary>
internal static class AdminActionAudit
{
    public const string Decision = "admin_action";

    public const string RefusedDecision = "admin_refused";

    /// <summary>
    /// An admin action; <paramref name="configure"/> adds what is the action's own (a run's, say). Written under the caller's
    /// request unless <paramref name="cancellationToken"/> says otherwise (what follows a durable record is written to its end).
    /// </summary>
    public static ValueTask<AuditRecord> RecordAsync(HttpContext context, string tenant, string action, string? agent = null, string? approvalId = null, string? subject = null,
        Func<AuditEntry, AuditEntry>? configure = null, CancellationToken? cancellationToken = null)
    {
        var entry = Entry(context, tenant, action, agent) with { Connector = subject, ApprovalId = approvalId };
        return AppendAsync(context, configure is null ? entry : configure(entry), cancellationToken ?? context.RequestAborted);
    }

    /// <summary>A refused call: tool <c>admin.&lt;what&gt;</c>, the refusal's status.</summary>
    public static ValueTask<AuditRecord> RecordRefusalAsync(HttpContext context, string tenant, string what, int status) =>
        AppendAsync(context, Entry(context, tenant, what, agent: null) with { Decision = RefusedDecision, StatusCode = status }, context.RequestAborted);

    private static AuditEntry Entry(HttpContext context, string tenant, string action, string? agent) => new()
    {
        Tenant = tenant,
        Agent = agent ?? "-",
        Tool = "admin." + action,
        RequestId = context.TraceIdentifier,
        Decision = Decision,
        StatusCode = StatusCodes.Status200OK,
        Actor = AdminAuthFilter.Principal(context).Name,
    };

    private static ValueTask<AuditRecord> AppendAsync(HttpContext context, AuditEntry entry, CancellationToken cancellationToken) =>
        context.RequestServices.GetRequiredService<AuditJournal>().AppendAsync(entry, cancellationToken);
}
