using System.Globalization;
using Gateway.Admin.Tokens;
using Gateway.Oversight;
using Gateway.Oversight.Incidents;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Admin.Http;

/// <summary><c>/admin/v1/tenants/{tenant}/incidents</c>: the most recent incidents (auditor or admin).</summary>
internal static class IncidentEndpoints
{
    public static void Map(RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/tenants/{tenant}/incidents").WithMetadata(new AdminRolesMetadata(AdminRoles.Auditor, AdminRoles.Admin));
        group.MapGet("/", ListAsync);
    }

    private static async Task<IResult> ListAsync(HttpContext context, string tenant, IncidentService incidents)
    {
        var limit = 100;
        var raw = context.Request.Query["limit"];
        if (raw.Count > 0 && (!int.TryParse(raw[0], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
        {
            return AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidQuery, "limit must be 1..1000");
        }

        var list = await incidents.ListAsync(tenant, limit, context.RequestAborted);
        return Results.Json(new IncidentListResponse(list), AdminJsonContext.Default.IncidentListResponse);
    }
}
