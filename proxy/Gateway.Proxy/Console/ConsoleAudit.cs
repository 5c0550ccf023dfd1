using System.Text.Json;
using Gateway.Oversight.Audit;

namespace Gateway.Proxy.Console;

/// <summary>
/// Writes a console action to the tenant's audit chain before the answer is sent: decision <c>admin_action</c>, tool
/// <c>console.&lt;action&gt;</c>, actor <c>console:&lt;person&gt;</c>, the provider's subject and issuer as the person, and the
/// reason the person gave as the record's explanation (<c>{"reason": …}</c>).
/// </summary>
internal static class ConsoleAudit
{
    public static ValueTask<AuditRecord> RecordAsync(HttpContext context, ConsoleSession session, string action, string agent, string? approvalId = null, string? reason = null)
    {
        var entry = new AuditEntry
        {
            Tenant = session.Tenant,
            Agent = agent,
            Tool = "console." + action,
            RequestId = context.TraceIdentifier,
            Decision = "admin_action",
            StatusCode = StatusCodes.Status200OK,
            Actor = session.Actor,
            Person = session.Subject,
            PersonIssuer = session.Issuer,
            ApprovalId = approvalId,
            Explanation = reason is null ? default : JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["reason"] = reason }),
        };
        return context.RequestServices.GetRequiredService<AuditJournal>().AppendAsync(entry, context.RequestAborted);
    }
}
