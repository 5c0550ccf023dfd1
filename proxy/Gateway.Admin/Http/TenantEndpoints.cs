using Gateway.Admin.Tokens;
using Gateway.Oversight;
using Gateway.Oversight.Agents;
using Gateway.Oversight.Register;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Admin.Http;

/// <summary>
/// <c>/admin/v1/tenants/{tenant}</c>: the tenant's kill switch (role <c>admin</c>): <c>suspend</c> blocks every agent
/// of the tenant and revokes every decision token issued in it; <c>resume</c> lifts the suspension. Its state (admin
/// or auditor) at <c>status</c>. A tenant not in the policy in force is 404.
/// </summary>
internal static class TenantEndpoints
{
    public static void Map(RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/tenants/{tenant}");
        group.MapGet("/status", GetAsync).WithMetadata(new AdminRolesMetadata(AdminRoles.Admin, AdminRoles.Auditor));
        group.MapPost("/suspend", (HttpContext c, string tenant, AgentStatusService s) =>
            FlipAsync(c, tenant, "tenant.suspend", (p, ct) => s.SuspendTenantAsync(tenant, p, ct), s)).WithMetadata(new AdminRolesMetadata(AdminRoles.Admin));
        group.MapPost("/resume", (HttpContext c, string tenant, AgentStatusService s) =>
            FlipAsync(c, tenant, "tenant.resume", (p, ct) => s.ResumeTenantAsync(tenant, p, ct), s)).WithMetadata(new AdminRolesMetadata(AdminRoles.Admin));
    }

    private static async Task<IResult> GetAsync(HttpContext context, string tenant, AgentStatusService statuses) =>
        Results.Json(new TenantStatusResponse(tenant, await statuses.IsTenantSuspendedAsync(tenant, context.RequestAborted)), AdminJsonContext.Default.TenantStatusResponse);

    // Written before the switch, as an agent's kill switch is (AgentEndpoints.RecordThenSwitchAsync): a journal that cannot take
    // the record fails the call before the tenant changes; a switch that then fails is written after it, under the same request id.
    private static async Task<IResult> FlipAsync(
        HttpContext context, string tenant, string action, Func<string, CancellationToken, ValueTask> flip, AgentStatusService statuses)
    {
        if (!context.RequestServices.GetRequiredService<IRegisterDirectory>().HasTenant(tenant))
        {
            return AdminProblem.Create(context, StatusCodes.Status404NotFound, ProblemCodes.TenantNotFound, "No such tenant in the policy in force");
        }

        var actor = AdminAuthFilter.Principal(context).Name;
        await AgentEndpoints.RecordThenSwitchAsync(context, tenant, agent: null, action, ct => flip(actor, ct));
        return await GetAsync(context, tenant, statuses);
    }
}
