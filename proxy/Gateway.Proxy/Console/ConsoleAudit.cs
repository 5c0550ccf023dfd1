using System.Text.Json;
using Gateway.Audit;

namespace Gateway.Proxy.Console;

/// <summary>
/// Writes a console action to the tenant's audit chain before the answer is sent: decision <c>admin_action</c>, tool
/// <c>console.&lt;action&gt;</c>, actor <c>console:&lt;person&gt;</c>, the provider's subject and issuer as the person, and the
/// reason the person gave as the record's explanation (<c>{"reason": …}</c>). A back-channel logout from the provider is
/// written the same way (<see cref="RecordLogoutAsync"/>), with the provider as the actor.
/// </summary>
internal static class ConsoleAudit
{
    /// <summary>A console action, written under the caller's request unless <paramref name="cancellationToken"/> says otherwise.</summary>
    public static ValueTask<AuditRecord> RecordAsync(HttpContext context, ConsoleSession session, string action, string agent, string? approvalId = null, string? reason = null,
        CancellationToken? cancellationToken = null)
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
        return context.RequestServices.GetRequiredService<AuditJournal>().AppendAsync(entry, cancellationToken ?? context.RequestAborted);
    }

    /// <summary>
    /// The tenant's provider ended a person's session (back-channel logout): tool <c>console.backchannel_logout</c>, actor
    /// <c>openid:&lt;issuer&gt;</c>, the subject (the token's, or the one person of the sessions its sid listed) as the person, and how many sessions ended.
    /// </summary>
    public static ValueTask<AuditRecord> RecordLogoutAsync(HttpContext context, string tenant, Gateway.Policy.OpenIdProvider provider, string? subject, bool bySid, int ended)
    {
        var entry = new AuditEntry
        {
            Tenant = tenant,
            Agent = "-",
            Tool = "console.backchannel_logout",
            RequestId = context.TraceIdentifier,
            Decision = "admin_action",
            StatusCode = StatusCodes.Status200OK,
            Actor = "openid:" + provider.IssuerText,
            Person = subject,
            PersonIssuer = provider.IssuerText,
            Explanation = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
            {
                ["reason"] = bySid ? "the provider ended the person's session (back-channel logout, by sid)" : "the provider ended the person's sessions (back-channel logout, by sub)",
                ["sessions_ended"] = ended.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }),
        };
        return context.RequestServices.GetRequiredService<AuditJournal>().AppendAsync(entry, context.RequestAborted);
    }

    /// <summary>
    /// An admin API action on a person (a revoked consent or link): decision <c>admin_action</c>, tool
    /// <c>admin.&lt;action&gt;</c>, the admin token's principal as the actor, the person's subject, and the reason.
    /// </summary>
    public static ValueTask<AuditRecord> RecordAdminAsync(HttpContext context, string tenant, string action, string person, int status, string? reason = null)
    {
        var entry = new AuditEntry
        {
            Tenant = tenant,
            Agent = "-",
            Tool = "admin." + action,
            RequestId = context.TraceIdentifier,
            Decision = "admin_action",
            StatusCode = status,
            Actor = Gateway.Admin.AdminEndpointRouteBuilderExtensions.AdminPrincipalOf(context).Name,
            Person = person,
            Explanation = reason is null ? default : JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["reason"] = reason }),
        };
        return context.RequestServices.GetRequiredService<AuditJournal>().AppendAsync(entry, context.RequestAborted);
    }
}
