using Gateway.Admin.Tokens;
using Gateway.Oversight;
using Gateway.Oversight.Delegations;
using Gateway.Oversight.Register;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Admin.Http;

/// <summary>
/// <c>/admin/v1/tenants/{tenant}/agents/{agent}/delegations</c> (admin or auditor): the live children a registered agent
/// or a child issued, and theirs; <c>…/revoke-delegation</c> (admin): revokes a child and its subtree, or, for a
/// registered agent, everything it ever delegated, on every replica from their next request. An agent neither registered
/// nor a live child is 404.
/// </summary>
internal static class DelegationEndpoints
{
    public static void Map(RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/tenants/{tenant}/agents/{agent}");
        group.MapGet("/delegations", ListAsync).WithMetadata(new AdminRolesMetadata(AdminRoles.Admin, AdminRoles.Auditor));
        group.MapPost("/revoke-delegation", RevokeAsync).WithMetadata(new AdminRolesMetadata(AdminRoles.Admin));
    }

    private static async Task<IResult> ListAsync(HttpContext context, string tenant, string agent, DelegationStore delegations, IRegisterDirectory register)
    {
        if (!register.HasTenant(tenant))
        {
            return TenantNotFound(context);
        }

        if (!register.HasAgent(tenant, agent) && await delegations.FindLiveAsync(tenant, agent, context.RequestAborted) is null)
        {
            return NotFound(context);
        }

        var subtree = await delegations.SubtreeAsync(tenant, agent, context.RequestAborted);
        return Results.Json(new DelegationListResponse(tenant, agent, [.. subtree.Select(static d => d.Info())]), AdminJsonContext.Default.DelegationListResponse);
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, string tenant, string agent, DelegationStore delegations, IRegisterDirectory register)
    {
        if (!register.HasTenant(tenant))
        {
            return TenantNotFound(context);
        }

        IReadOnlyList<DelegationRecord> revoked;
        if (register.HasAgent(tenant, agent))
        {
            revoked = await delegations.RevokeAllAsync(tenant, agent, context.RequestAborted);
        }
        else if (DelegationIds.IsDelegate(agent))
        {
            revoked = await delegations.RevokeAsync(tenant, agent, context.RequestAborted);
            if (revoked.Count == 0)
            {
                return NotFound(context);
            }
        }
        else
        {
            return NotFound(context);
        }

        await AdminActionAudit.RecordAsync(context, tenant, "agent.revoke_delegation", agent);
        return Results.Json(new DelegationRevokedResponse(tenant, agent, [.. revoked.Select(static d => d.Id)]), AdminJsonContext.Default.DelegationRevokedResponse);
    }

    private static IResult TenantNotFound(HttpContext context) =>
        AdminProblem.Create(context, StatusCodes.Status404NotFound, ProblemCodes.TenantNotFound, "No such tenant in the policy in force");

    private static IResult NotFound(HttpContext context) =>
        AdminProblem.Create(context, StatusCodes.Status404NotFound, ProblemCodes.DelegationNotFound, "No such registered agent or live delegated child in the tenant");
}
