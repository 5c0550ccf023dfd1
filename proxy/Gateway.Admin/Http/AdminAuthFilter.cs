using Gateway.Audit;
using Gateway.Admin.Tokens;
using Gateway.Oversight;
using Gateway.Oversight.Hosting;
using Gateway.Oversight.Register;
using Gateway.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Admin.Http;

/// <summary>
/// Runs before every admin endpoint: refuses a source (an address, an IPv6 client's /64) that failed authentication too
/// often (429 with <c>Retry-After</c>), authenticates the bearer token (403 <c>person_suspended</c> for a token bound to a person suspended as
/// a console user; 403 <c>tenant_not_found</c> for a token confined to a tenant the policy in force no longer holds) and checks
/// the endpoint's roles server-side,
/// validates tenant and agent route values, refuses a token confined to another tenant (403, written to
/// the targeted tenant's audit chain when the register has that tenant, else to the caller's own), and turns store
/// and audit outages into 503 problems. An endpoint without <see cref="AdminRolesMetadata"/> is refused.
/// </summary>
internal sealed class AdminAuthFilter : IEndpointFilter
{
    private const string PrincipalKey = "Gateway.Oversight.AdminPrincipal";

    /// <summary>The one filter every admin route shares (it holds nothing: its services come from the request), given as an
    /// instance so that no factory is compiled from an expression tree at start.</summary>
    public static AdminAuthFilter Instance { get; } = new();

    public static AdminPrincipal Principal(HttpContext context) =>
        context.Items[PrincipalKey] as AdminPrincipal ?? throw new InvalidOperationException("The admin filter did not run.");

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var logger = http.RequestServices.GetRequiredService<ILogger<AdminAuthFilter>>();
        var throttle = http.RequestServices.GetRequiredService<AdminAuthThrottle>();
        var source = ClientSource.Of(http.Connection.RemoteIpAddress);
        if (throttle.RetryAfter(source) is { } wait)
        {
            var seconds = (long)Math.Ceiling(wait.TotalSeconds);
            AdminLog.AdminAuthThrottled(logger, source, seconds);
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Refuse(http, logger, StatusCodes.Status429TooManyRequests, ProblemCodes.AuthThrottled, "Too many failed authentications from this address");
        }

        try
        {
            var tokens = http.RequestServices.GetRequiredService<AdminTokenService>();
            var result = await tokens.AuthenticateAsync(ReadBearer(http), http.RequestAborted);
            if (result.Status == AdminAuthStatus.PersonSuspended)
            {
                // A genuine token of a person an administrator suspended: no failure counted, no vote or other act as them.
                return Refuse(http, logger, StatusCodes.Status403Forbidden, ProblemCodes.PersonSuspended, "The person this token is bound to is suspended");
            }

            if (result.Status != AdminAuthStatus.Authenticated)
            {
                if (result.Status is AdminAuthStatus.Invalid or AdminAuthStatus.Revoked)
                {
                    throttle.RecordFailure(source);
                }

                var code = result.Status switch
                {
                    AdminAuthStatus.Missing => ProblemCodes.TokenMissing,
                    AdminAuthStatus.Revoked => ProblemCodes.TokenRevoked,
                    _ => ProblemCodes.TokenInvalid,
                };
                http.Response.Headers.WWWAuthenticate = "Bearer";
                return Refuse(http, logger, StatusCodes.Status401Unauthorized, code, "Authentication required");
            }

            // A token confined to a tenant the policy in force no longer holds (removed from the bundle) acts in nothing, a tenant
            // later given the same slug included: refused whatever it asks, before its roles (the replica that applied the removal
            // revokes its tokens too, PolicyInForcePublisher; one started without the tenant never had it to revoke).
            if (result.Principal!.Tenant is { } own && !http.RequestServices.GetRequiredService<IRegisterDirectory>().HasTenant(own))
            {
                return Refuse(http, logger, StatusCodes.Status403Forbidden, ProblemCodes.TenantNotFound, "The tenant your token is confined to is not in the policy in force");
            }

            var required = http.GetEndpoint()?.Metadata.GetMetadata<AdminRolesMetadata>();
            if (required is null || !result.Principal!.IsInAnyRole(required.Roles))
            {
                return Refuse(http, logger, StatusCodes.Status403Forbidden, ProblemCodes.RoleRequired, "Your token lacks the role this call needs",
                    required is null ? null : "Needs one of: " + string.Join(", ", required.Roles));
            }

            var tenant = http.Request.RouteValues.TryGetValue("tenant", out var routeTenant) ? routeTenant : null;
            if (tenant is not null && !Identifiers.IsValidTenant(tenant as string))
            {
                return Refuse(http, logger, StatusCodes.Status400BadRequest, ProblemCodes.InvalidTenant, "Invalid tenant id");
            }

            if (http.Request.RouteValues.TryGetValue("agent", out var agent) && !Identifiers.IsValidAgent(agent as string))
            {
                return Refuse(http, logger, StatusCodes.Status400BadRequest, ProblemCodes.InvalidAgent, "Invalid agent id");
            }

            http.Items[PrincipalKey] = result.Principal;
            if (tenant is string scoped && !result.Principal!.MayActIn(scoped))
            {
                AdminLog.AdminCrossTenantRefused(logger, http.Request.Method, http.Request.Path.ToUriComponent(), result.Principal.Name);
                // The target tenant's chain when the register has it; a made-up tenant gets the same answer but no chain of its own
                // (the refusal goes to the caller's own tenant), so no token can create chains at will.
                if ((http.RequestServices.GetRequiredService<IRegisterDirectory>().HasTenant(scoped) ? scoped : result.Principal.Tenant) is { } chain)
                {
                    await AdminActionAudit.RecordRefusalAsync(http, chain, "cross_tenant", StatusCodes.Status403Forbidden);
                }

                return Refuse(http, logger, StatusCodes.Status403Forbidden, ProblemCodes.TenantForbidden, "Your token is confined to another tenant");
            }

            return await next(context);
        }
        catch (StateStoreUnavailableException)
        {
            return Refuse(http, logger, StatusCodes.Status503ServiceUnavailable, ProblemCodes.StoreUnavailable, "The state store is unavailable");
        }
        catch (AuditWriteException)
        {
            return Refuse(http, logger, StatusCodes.Status503ServiceUnavailable, ProblemCodes.AuditUnavailable, "The audit journal could not record the action");
        }
    }

    private static IResult Refuse(HttpContext http, ILogger logger, int status, string code, string title, string? detail = null)
    {
        AdminLog.AdminRefused(logger, http.Request.Method, http.Request.Path.ToUriComponent(), code);
        return AdminProblem.Create(http, status, code, title, detail);
    }

    private static string? ReadBearer(HttpContext http)
    {
        var header = http.Request.Headers.Authorization;
        if (header.Count != 1)
        {
            return null;
        }

        var value = header[0];
        const string scheme = "Bearer ";
        return value is not null && value.Length > scheme.Length && value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            ? value[scheme.Length..].Trim()
            : null;
    }
}
