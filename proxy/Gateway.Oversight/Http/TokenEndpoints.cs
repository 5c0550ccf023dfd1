using Gateway.Oversight.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Oversight.Http;

/// <summary><c>/admin/v1/tokens</c>: issue (the plaintext is in this one response only) and revoke (role <c>admin</c>).</summary>
internal static class TokenEndpoints
{
    public static void Map(RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/tokens").WithMetadata(new AdminRolesMetadata(AdminRoles.Admin));
        group.MapPost("/", IssueAsync);
        group.MapDelete("/{name}", RevokeAsync);
    }

    private static async Task<IResult> IssueAsync(HttpContext context, AdminTokenService tokens)
    {
        var (body, error) = await AdminBody.ReadAsync(context, OversightJsonContext.Default.IssueTokenRequest);
        if (error is not null)
        {
            return error;
        }

        var outcome = await tokens.IssueAsync(body!.Name ?? string.Empty, body.Roles ?? [], context.RequestAborted);
        if (outcome.Code is { } code)
        {
            return code == AdminTokenIssueOutcome.NameTaken
                ? AdminProblem.Create(context, StatusCodes.Status409Conflict, code, "A live token with this name exists; revoke it first")
                : AdminProblem.Create(context, StatusCodes.Status400BadRequest, code, "Invalid token name or roles",
                    "Names: letters, digits, ._@- (not 'bootstrap'); roles: " + string.Join(", ", AdminRoles.All));
        }

        context.Response.Headers.CacheControl = "no-store";
        return Results.Json(outcome.Issued, OversightJsonContext.Default.IssuedAdminToken, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, string name, AdminTokenService tokens)
    {
        return await tokens.RevokeAsync(name, context.RequestAborted)
            ? Results.Json(new TokenRevokedResponse(name, true), OversightJsonContext.Default.TokenRevokedResponse)
            : AdminProblem.Create(context, StatusCodes.Status404NotFound, ProblemCodes.TokenNotFound, "No token with this name");
    }
}
