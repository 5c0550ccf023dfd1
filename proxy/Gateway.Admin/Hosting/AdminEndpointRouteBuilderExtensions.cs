using Gateway.Admin.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Admin;

/// <summary>Maps the admin API.</summary>
public static class AdminEndpointRouteBuilderExtensions
{
    /// <summary>The admin API's route prefix.</summary>
    public const string Prefix = "/admin/v1";

    /// <summary>
    /// Maps every admin route under <c>/admin/v1</c>, behind the bearer-token filter that checks roles
    /// on every call. Returns the group so the host can add its own conventions (rate limits, CORS off).
    /// </summary>
    public static RouteGroupBuilder MapGatewayAdmin(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var admin = app.MapGroup(Prefix);
        admin.AddEndpointFilter(AdminAuthFilter.Instance);
        ApprovalEndpoints.Map(admin);
        TokenEndpoints.Map(admin);
        AgentEndpoints.Map(admin);
        DelegationEndpoints.Map(admin);
        RunEndpoints.Map(admin);
        TenantEndpoints.Map(admin);
        AuditEndpoints.Map(admin);
        AuditProofEndpoints.Map(admin);
        IncidentEndpoints.Map(admin);
        CredentialEndpoints.Map(admin);
        admin.MapFallback(static (HttpContext context) =>
            AdminProblem.Create(context, StatusCodes.Status404NotFound, "not_found", "No such admin route"))
            .WithMetadata(new AdminRolesMetadata(Tokens.AdminRoles.All.ToArray()));
        return admin;
    }

    /// <summary>
    /// The caller of an admin route the host maps on the group <see cref="MapGatewayAdmin"/> returns (the filter has
    /// authenticated it and checked the route's <see cref="Http.AdminRolesMetadata"/>).
    /// </summary>
    public static Tokens.AdminPrincipal AdminPrincipalOf(HttpContext context) => AdminAuthFilter.Principal(context);

    /// <summary>
    /// Maps <c>POST /v1/decision-tokens/verify</c> for executors (an admin-API token with role <c>executor</c>, never an
    /// agent's credential): whether a decision token is live, revoked, expired or invalid.
    /// </summary>
    public static RouteHandlerBuilder MapDecisionTokenVerification(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return DecisionTokenEndpoints.Map(app);
    }
}
