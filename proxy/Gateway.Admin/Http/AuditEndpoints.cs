using System.Globalization;
using Gateway.Audit;
using Gateway.Admin.Tokens;
using Gateway.Oversight;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Admin.Http;

/// <summary>
/// <c>/admin/v1/tenants/{tenant}/audit</c>: records of one chain (paged; <c>?replica=</c>, this replica's by
/// default), a query across the tenant's chains by time, agent, decision, tool, request and run (cursor-paged), and
/// verification of every chain of the tenant, and the stored decision receipts of a request or of a seq range of one
/// chain (<c>/receipts</c>, rebuilt from the stored batches: <see cref="AuditJournal.ReadReceiptsAsync"/>) (auditor or admin).
/// </summary>
internal static class AuditEndpoints
{
    public static void Map(RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/tenants/{tenant}/audit").WithMetadata(new AdminRolesMetadata(AdminRoles.Auditor, AdminRoles.Admin));
        group.MapGet("/", ListAsync);
        group.MapGet("/verify", VerifyAsync);
        group.MapGet("/query", QueryAsync);
        group.MapGet("/export", ExportAsync);
        group.MapGet("/receipts", ReceiptsAsync);
    }

    // ?request_id= (that request's receipt), or ?replica=&from_seq=&to_seq= (the receipts of those records of one chain).
    private static async Task<IResult> ReceiptsAsync(HttpContext context, string tenant, AuditJournal journal)
    {
        var query = context.Request.Query;
        var errors = new List<string>();
        var requestId = AdminQuery.Text(query["request_id"], "request_id", errors);
        var replica = query["replica"].Count == 1 ? query["replica"][0] : null;
        if (requestId is null && (replica is null || !AuditPartition.IsValidReplica(replica)))
        {
            errors.Add("give request_id, or replica (one replica id) with from_seq and to_seq");
        }

        long fromSeq = 0, toSeq = 0;
        if (requestId is null && (!TryReadLong(context, "from_seq", 0, out fromSeq) || !TryReadLong(context, "to_seq", 0, out toSeq)
            || fromSeq < 1 || toSeq < fromSeq || toSeq > AdminQuery.MaxStart || toSeq - fromSeq >= AdminQuery.MaxLimit))
        {
            errors.Add("from_seq and to_seq must be 1 <= from_seq <= to_seq <= 9007199254740991, at most 1000 records");
        }

        if (errors.Count > 0)
        {
            return AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidQuery, string.Join("; ", errors));
        }

        try
        {
            IReadOnlyList<AuditReceipt> receipts = requestId is not null
                ? (await journal.ReadReceiptAsync(tenant, requestId, context.RequestAborted) is { } one ? [one] : [])
                : await journal.ReadReceiptsAsync(tenant, replica!, fromSeq, toSeq, context.RequestAborted);
            return Results.Json(new AuditReceiptsResponse(receipts), AdminJsonContext.Default.AuditReceiptsResponse);
        }
        catch (AuditReceiptMismatchException ex)
        {
            return AdminProblem.Create(context, StatusCodes.Status409Conflict, ProblemCodes.AuditReceiptsMismatch, ex.Message);
        }
        catch (AuditChainMovedException ex)
        {
            // Retention kept moving the chain through every read: nothing wrong with the receipts, ask again.
            context.Response.Headers.RetryAfter = "1";
            return AdminProblem.Create(context, StatusCodes.Status503ServiceUnavailable, ProblemCodes.AuditUnavailable, ex.Message);
        }
    }

    private static async Task<IResult> QueryAsync(HttpContext context, string tenant, AuditJournal journal)
    {
        var query = context.Request.Query;
        var errors = new List<string>();
        var from = AdminQuery.Time(query["from"], "from", errors);
        var to = AdminQuery.Time(query["to"], "to", errors);
        if (!TryReadLong(context, "limit", 100, out var limit) || limit is < 1 or > AdminQuery.MaxLimit)
        {
            errors.Add("limit must be 1..1000");
        }

        AuditCursor? after = null;
        if (query["cursor"].Count > 0 && !AuditCursor.TryDecode(query["cursor"][0], out after))
        {
            errors.Add("cursor is not one this API returned");
        }

        var filters = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var name in new[] { "agent", "decision", "tool", "request_id", "run_id" })
        {
            filters[name] = AdminQuery.Text(query[name], name, errors);
        }

        if (errors.Count > 0)
        {
            return AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidQuery, string.Join("; ", errors));
        }

        var page = await journal.QueryAsync(tenant, new AuditQuery
        {
            From = from,
            To = to,
            Agent = filters["agent"],
            Decision = filters["decision"],
            Tool = filters["tool"],
            RequestId = filters["request_id"],
            RunId = filters["run_id"],
            Limit = (int)limit,
            After = after,
        }, context.RequestAborted);
        return Results.Json(new AuditQueryResponse(page.Records, page.Next?.Encode()), AdminJsonContext.Default.AuditQueryResponse);
    }

    private static async Task<IResult> ListAsync(HttpContext context, string tenant, AuditJournal journal)
    {
        if (!TryReadLong(context, "start", 0, out var start) || start is < 0 or > AdminQuery.MaxStart
            || !TryReadLong(context, "limit", 100, out var limit) || limit is < 1 or > AdminQuery.MaxLimit)
        {
            return AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidQuery, "start must be 0..9007199254740991 and limit 1..1000");
        }

        var replica = context.Request.Query["replica"];
        if (replica.Count > 1 || (replica.Count == 1 && !AuditPartition.IsValidReplica(replica[0])))
        {
            return AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidQuery, "replica must be one replica id (lowercase letters, digits, '-')");
        }

        var records = await journal.ReadAsync(tenant, start, (int)limit, context.RequestAborted, replica.Count == 1 ? replica[0] : null);
        long? next = records.Count == limit ? start + records.Count : null;
        return Results.Json(new AuditRecordsResponse(records, next), AdminJsonContext.Default.AuditRecordsResponse);
    }

    /// <summary>JSON Lines (<c>application/jsonl</c>): every chain's records before <c>?before=</c>, streamed in chain order.</summary>
    private static async Task ExportAsync(HttpContext context, string tenant, AuditJournal journal)
    {
        var errors = new List<string>();
        var before = context.Request.Query["before"].Count == 0 ? null : AdminQuery.Time(context.Request.Query["before"], "before", errors);
        if (errors.Count > 0)
        {
            await AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidQuery, string.Join("; ", errors)).ExecuteAsync(context);
            return;
        }

        context.Response.ContentType = "application/jsonl";
        var body = context.Response.Body;
        var newline = "\n"u8.ToArray();
        await foreach (var line in journal.ExportAsync(tenant, before ?? DateTimeOffset.MaxValue, context.RequestAborted))
        {
            await body.WriteAsync(System.Text.Encoding.UTF8.GetBytes(line), context.RequestAborted);
            await body.WriteAsync(newline, context.RequestAborted);
        }
    }

    private static async Task<IResult> VerifyAsync(HttpContext context, string tenant, AuditJournal journal)
    {
        var verification = await journal.VerifyAsync(tenant, context.RequestAborted);
        return Results.Json(verification, AdminJsonContext.Default.AuditVerification);
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
