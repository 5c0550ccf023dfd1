using Gateway.Admin.Options;
using Gateway.Admin.Tokens;
using Gateway.Oversight;
using Gateway.Oversight.Register;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Admin.Http;

/// <summary>
/// <c>/admin/v1/tokens</c>: list (never a token or its hash), issue (the plaintext is in this one response only) and revoke (role
/// <c>admin</c>). A token confined to a tenant issues and revokes tokens of that tenant only. Names are per tenant: one
/// name may be live in every tenant (and among the operator's tokens); <c>DELETE /{name}?tenant=</c> says which.
/// </summary>
internal static class TokenEndpoints
{
    public static void Map(RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/tokens").WithMetadata(new AdminRolesMetadata(AdminRoles.Admin));
        group.MapGet("/", ListAsync);
        group.MapPost("/", IssueAsync);
        group.MapDelete("/{name}", RevokeAsync);
    }

    private static async Task<IResult> IssueAsync(HttpContext context, AdminTokenService tokens)
    {
        var (body, error) = await AdminBody.ReadAsync(context, AdminJsonContext.Default.IssueTokenRequest);
        if (error is not null)
        {
            return error;
        }

        var spec = new AdminTokenSpec(body!.Name ?? string.Empty, body.Roles ?? []) { Tenant = body.Tenant, Person = body.Person };
        var issuer = AdminAuthFilter.Principal(context);
        var outcome = await tokens.IssueAsync(spec, issuer, context.RequestAborted);
        switch (outcome.Code)
        {
            case null:
                if (outcome.Issued!.Tenant is { } issuedIn)
                {
                    await AdminActionAudit.RecordAsync(context, issuedIn, "token.issue", subject: outcome.Issued.Name);
                }

                context.Response.Headers.CacheControl = "no-store";
                return Results.Json(outcome.Issued, AdminJsonContext.Default.IssuedAdminToken, statusCode: StatusCodes.Status201Created);
            case AdminTokenIssueOutcome.NameTaken:
                return AdminProblem.Create(context, StatusCodes.Status409Conflict, outcome.Code, "A live token with this name exists; revoke it first");
            case AdminTokenIssueOutcome.LimitReached:
                // 409, not 429: the tenant's live tokens never expire, so waiting frees nothing; revoking one does.
                return AdminProblem.Create(context, StatusCodes.Status409Conflict, outcome.Code, "The tenant holds its limit of live tokens; revoke one first",
                    $"A tenant may hold {context.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value.MaxLiveTokensPerTenant} live tokens (Gateway:Admin:MaxLiveTokensPerTenant).");
            case AdminTokenIssueOutcome.ScopeForbidden:
                // Recorded in the named tenant's chain when the register has it, else in the issuer's own (a made-up name
                // starts no chain).
                if ((spec.Tenant is { } named && context.RequestServices.GetRequiredService<IRegisterDirectory>().HasTenant(named) ? named : issuer.Tenant) is { } chain)
                {
                    await AdminActionAudit.RecordRefusalAsync(context, chain, "cross_tenant", StatusCodes.Status403Forbidden);
                }

                return AdminProblem.Create(context, StatusCodes.Status403Forbidden, outcome.Code, "Your token may issue tokens for its own tenant only");
            case AdminTokenIssueOutcome.IssuerRevoked:
                // Revoked while it minted: answered as its next call would be (AdminAuthFilter), the new token revoked unseen.
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return AdminProblem.Create(context, StatusCodes.Status401Unauthorized, outcome.Code, "Authentication required");
            case AdminTokenIssueOutcome.UnknownPerson:
                return AdminProblem.Create(context, StatusCodes.Status400BadRequest, outcome.Code, "Unknown tenant, or the person is not one of its approvers",
                    "An approver token names a person listed under the tenant's 'approvers' in the policy in force.");
            case AdminTokenIssueOutcome.InvalidScope:
                return AdminProblem.Create(context, StatusCodes.Status400BadRequest, outcome.Code, "Invalid tenant or person",
                    "An approver token needs a tenant and a person; a person needs a tenant.");
            default:
                return AdminProblem.Create(context, StatusCodes.Status400BadRequest, outcome.Code, "Invalid token name or roles",
                    "Names: letters, digits, ._@- (not 'bootstrap'); roles: " + string.Join(", ", AdminRoles.All));
        }
    }

    private static async Task<IResult> ListAsync(HttpContext context, AdminTokenService tokens)
    {
        var rows = await tokens.ListAsync(AdminAuthFilter.Principal(context), context.RequestAborted);
        context.Response.Headers.CacheControl = "no-store";
        return Results.Json(new TokenListResponse(rows), AdminJsonContext.Default.TokenListResponse);
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, string name, string? tenant, string? cascade, AdminTokenService tokens)
    {
        // Names are per tenant: ?tenant= names the tenant (an operator's caller); a caller confined to one revokes in its own.
        // What the token minted is revoked with it, transitively, unless ?cascade=false.
        if (cascade is not (null or "true" or "false"))
        {
            return AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidQuery, "cascade is true or false");
        }

        var revoked = await tokens.RevokeWithMintedAsync(name, tenant, AdminAuthFilter.Principal(context), cascade != "false", context.RequestAborted);
        if (revoked is null)
        {
            return AdminProblem.Create(context, StatusCodes.Status404NotFound, ProblemCodes.TokenNotFound, "No token with this name");
        }

        var minted = new List<string>();
        foreach (var (record, index) in revoked.Select((r, i) => (r, i)))
        {
            // The named token comes first when this call revoked it; every later one was revoked because its minter was.
            var named = index == 0 && record.Name == name && string.Equals(record.Tenant, tenant ?? AdminAuthFilter.Principal(context).Tenant, StringComparison.Ordinal);
            if (!named)
            {
                minted.Add(AdminTokenNames.Scoped(record.Tenant, record.Name));
            }

            if (record.Tenant is { } revokedIn)
            {
                await AdminActionAudit.RecordAsync(context, revokedIn, named ? "token.revoke" : "token.revoke_minted", subject: record.Name);
            }
        }

        return Results.Json(new TokenRevokedResponse(name, true) { AlsoRevoked = minted }, AdminJsonContext.Default.TokenRevokedResponse);
    }
}
