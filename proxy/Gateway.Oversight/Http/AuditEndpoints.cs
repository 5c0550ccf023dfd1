using System.Globalization;
using Gateway.Oversight.Admin;
using Gateway.Oversight.Audit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Oversight.Http;

/// <summary>
/// <c>/admin/v1/tenants/{tenant}/audit</c>: records of one chain (paged; <c>?replica=</c>, this replica's by
/// default) and verification of every chain of the tenant (auditor or admin).
/// </summary>
internal static class AuditEndpoints
{
    private const int MaxLimit = 1000;

    public static void Map(RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/tenants/{tenant}/audit").WithMetadata(new AdminRolesMetadata(AdminRoles.Auditor, AdminRoles.Admin));
        group.MapGet("/", ListAsync);
        group.MapGet("/verify", VerifyAsync);
    }

    private static async Task<IResult> ListAsync(HttpContext context, string tenant, AuditJournal journal)
    {
        if (!TryReadLong(context, "start", 0, out var start) || start < 0
            || !TryReadLong(context, "limit", 100, out var limit) || limit is < 1 or > MaxLimit)
        {
            return AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidQuery, "start must be >= 0 and limit 1..1000");
        }

        var replica = context.Request.Query["replica"];
        if (replica.Count > 1 || (replica.Count == 1 && !AuditPartition.IsValidReplica(replica[0])))
        {
            return AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidQuery, "replica must be one replica id (lowercase letters, digits, '-')");
        }

        var records = await journal.ReadAsync(tenant, start, (int)limit, context.RequestAborted, replica.Count == 1 ? replica[0] : null);
        long? next = records.Count == limit ? start + records.Count : null;
        return Results.Json(new AuditRecordsResponse(records, next), OversightJsonContext.Default.AuditRecordsResponse);
    }

    private static async Task<IResult> VerifyAsync(HttpContext context, string tenant, AuditJournal journal)
    {
        var verification = await journal.VerifyAsync(tenant, context.RequestAborted);
        return Results.Json(verification, OversightJsonContext.Default.AuditVerification);
    }

    private static bool TryReadLong(HttpContext context, string name, long fallback, out long value)
    {
        var raw = context.Request.Query[name];
        if (raw.Count == 0)
        {
            value = fallback;
            return true;
        }

        return long.TryParse(raw[0], NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
