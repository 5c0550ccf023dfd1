using Gateway.Oversight.Admin;
using Gateway.Oversight.Approvals;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Oversight.Http;

/// <summary>
/// <c>/admin/v1/tenants/{tenant}/approvals</c>: list pending, get one, approve, deny (role
/// <c>approver</c>; approve and deny also need the token's name among the request's approvers).
/// </summary>
internal static class ApprovalEndpoints
{
    public static void Map(RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/tenants/{tenant}/approvals").WithMetadata(new AdminRolesMetadata(AdminRoles.Approver));
        group.MapGet("/", ListAsync);
        group.MapGet("/{id}", GetAsync);
        group.MapPost("/{id}/approve", ApproveAsync);
        group.MapPost("/{id}/deny", DenyAsync);
    }

    private static async Task<IResult> ListAsync(HttpContext context, string tenant, ApprovalService approvals)
    {
        var pending = await approvals.ListPendingAsync(tenant, context.RequestAborted);
        return Results.Json(new ApprovalListResponse(pending), OversightJsonContext.Default.ApprovalListResponse);
    }

    private static async Task<IResult> GetAsync(HttpContext context, string tenant, string id, ApprovalService approvals)
    {
        var request = await approvals.GetAsync(tenant, id, context.RequestAborted);
        return request is null
            ? AdminProblem.ForApproval(context, ApprovalErrorCodes.NotFound)
            : Results.Json(request, OversightJsonContext.Default.ApprovalRequest);
    }

    private static async Task<IResult> ApproveAsync(HttpContext context, string tenant, string id, ApprovalService approvals)
    {
        var principal = AdminAuthFilter.Principal(context);
        var result = await approvals.ApproveAsync(tenant, id, principal.Name, context.RequestAborted);
        return await RespondAsync(context, tenant, "approval.approve", result);
    }

    private static async Task<IResult> DenyAsync(HttpContext context, string tenant, string id, ApprovalService approvals)
    {
        var principal = AdminAuthFilter.Principal(context);
        var result = await approvals.DenyAsync(tenant, id, principal.Name, context.RequestAborted);
        return await RespondAsync(context, tenant, "approval.deny", result);
    }

    private static async Task<IResult> RespondAsync(HttpContext context, string tenant, string action, ApprovalActionResult result)
    {
        if (!result.Succeeded)
        {
            return AdminProblem.ForApproval(context, result.Code!);
        }

        await AdminActionAudit.RecordAsync(context, tenant, action, result.Request!.Agent, result.Request.Id);
        return Results.Json(result.Request, OversightJsonContext.Default.ApprovalRequest);
    }
}
