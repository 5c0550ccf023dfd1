using Gateway.Audit;
using Gateway.Admin.Tokens;
using Gateway.Oversight;
using Gateway.Oversight.Register;
using Gateway.Oversight.Runs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Admin.Http;

/// <summary>
/// <c>/admin/v1/tenants/{tenant}/runs</c>: the tenant's runs the shared store still holds, newest first, by agent, status
/// and start time (admin or auditor); one run with its story, every record of it in the audit journal in order (its start,
/// each action's decision and outcome, each event, its cancel), cursor-paged (admin or auditor); and
/// <c>…/runs/{run}/cancel</c> (admin): the run is cancelled on every replica, so its next action is refused wherever it
/// arrives, and the cancel is recorded in the run's story with the operator's token name.
/// </summary>
internal static class RunEndpoints
{
    public static void Map(RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/tenants/{tenant}/runs");
        group.MapGet("/", ListAsync).WithMetadata(new AdminRolesMetadata(AdminRoles.Admin, AdminRoles.Auditor));
        group.MapGet("/{run}", GetAsync).WithMetadata(new AdminRolesMetadata(AdminRoles.Admin, AdminRoles.Auditor));
        group.MapPost("/{run}/cancel", CancelAsync).WithMetadata(new AdminRolesMetadata(AdminRoles.Admin));
    }

    private static async Task<IResult> ListAsync(HttpContext context, string tenant, RunStore runs, IRegisterDirectory register)
    {
        if (!register.HasTenant(tenant))
        {
            return TenantNotFound(context);
        }

        var query = context.Request.Query;
        var errors = new List<string>();
        var agent = AdminQuery.Text(query["agent"], "agent", errors);
        if (agent is not null && !Identifiers.IsValidAgent(agent))
        {
            errors.Add("agent must be an agent id");
        }

        var status = AdminQuery.Text(query["status"], "status", errors);
        if (status is not null && !RunStatuses.All.Contains(status))
        {
            errors.Add("status must be one of " + string.Join(", ", RunStatuses.All));
        }

        var from = AdminQuery.Time(query["from"], "from", errors);
        var to = AdminQuery.Time(query["to"], "to", errors);
        var limit = AdminQuery.Limit(query["limit"], errors);
        if (errors.Count > 0)
        {
            return AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidQuery, string.Join("; ", errors));
        }

        var found = await runs.ListAsync(tenant, new RunListQuery { Agent = agent, Status = status, From = from, To = to, Limit = limit }, context.RequestAborted);
        return Results.Json(new RunListResponse(tenant, [.. found.Select(RunInfo.Of)]), AdminJsonContext.Default.RunListResponse);
    }

    /// <summary>The run (null once the store forgot it) and a page of its records; 404 only when neither is known.</summary>
    private static async Task<IResult> GetAsync(HttpContext context, string tenant, string run, RunStore runs, AuditJournal journal, IRegisterDirectory register)
    {
        if (!register.HasTenant(tenant))
        {
            return TenantNotFound(context);
        }

        if (!RunIds.IsValid(run))
        {
            return RunNotFound(context);
        }

        var errors = new List<string>();
        var limit = AdminQuery.Limit(context.Request.Query["limit"], errors);
        AuditCursor? after = null;
        if (context.Request.Query["cursor"].Count > 0 && !AuditCursor.TryDecode(context.Request.Query["cursor"][0], out after))
        {
            errors.Add("cursor is not one this API returned");
        }

        if (errors.Count > 0)
        {
            return AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidQuery, string.Join("; ", errors));
        }

        var state = await runs.FindAsync(tenant, run, context.RequestAborted);
        var page = await journal.QueryAsync(tenant, new AuditQuery { RunId = run, Limit = limit, After = after }, context.RequestAborted);
        if (state is null && page.Records.Count == 0 && after is null)
        {
            return RunNotFound(context);
        }

        return Results.Json(new RunStoryResponse(tenant, run, state is null ? null : RunInfo.Of(state), page.Records, page.Next?.Encode()), AdminJsonContext.Default.RunStoryResponse);
    }

    private static async Task<IResult> CancelAsync(HttpContext context, string tenant, string run, RunStore runs, IRegisterDirectory register, TimeProvider time)
    {
        if (!register.HasTenant(tenant))
        {
            return TenantNotFound(context);
        }

        string? reason = null;
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            var (body, error) = await AdminBody.ReadAsync(context, AdminJsonContext.Default.RunCancelRequest);
            if (error is not null)
            {
                return error;
            }

            reason = body!.Reason;
            if (reason is { Length: 0 or > 1024 } || (reason?.Any(char.IsControl) ?? false))
            {
                return AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidBody, "reason must be 1 to 1024 characters, no control characters");
            }
        }

        if (!RunIds.IsValid(run) || await runs.FindAsync(tenant, run, context.RequestAborted) is not { } state)
        {
            return RunNotFound(context);
        }

        var by = RunEnd.ByAdmin(AdminAuthFilter.Principal(context).Name);
        var (cancelled, now) = await runs.EndAsync(state.Record, new RunEnd(RunStatuses.Cancelled, by, time.GetUtcNow()) { Reason = reason }, context.RequestAborted);
        if (!cancelled && now.Status != RunStatuses.Cancelled)
        {
            return AdminProblem.Create(context, StatusCodes.Status409Conflict, ProblemCodes.RunEnded, "The run has already ended (" + now.Status + ")");
        }

        if (cancelled)
        {
            // In the tenant's chain as every admin action, and in the run's story: who cancelled it, and why.
            await AdminActionAudit.RecordAsync(context, tenant, "run.cancel", state.Record.Agent, configure: entry => entry with
            {
                RunId = run,
                RunEvent = new AuditRunEvent { Type = RunStatuses.Cancelled, Detail = Reason(reason), By = by },
            });
        }

        return Results.Json(RunInfo.Of(now), AdminJsonContext.Default.RunInfo);
    }

    /// <summary>The cancel's detail: <c>{"reason": …}</c>, or none.</summary>
    private static System.Text.Json.JsonElement? Reason(string? reason)
    {
        if (reason is null)
        {
            return null;
        }

        using var document = System.Text.Json.JsonDocument.Parse("{\"reason\":" + System.Text.Json.JsonSerializer.Serialize(reason, AdminJsonContext.Default.String) + "}");
        return document.RootElement.Clone();
    }

    private static IResult TenantNotFound(HttpContext context) =>
        AdminProblem.Create(context, StatusCodes.Status404NotFound, ProblemCodes.TenantNotFound, "No such tenant in the policy in force");

    private static IResult RunNotFound(HttpContext context) =>
        AdminProblem.Create(context, StatusCodes.Status404NotFound, ProblemCodes.RunNotFound, "No such run in the tenant (or the store has forgotten it)");
}
