using Gateway.Admin.Tokens;
using Gateway.Oversight;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Register;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Admin.Http;

/// <summary>
/// <c>/admin/v1/tenants/{tenant}/approvals</c>: list pending, get one (an approver sees only the requests that name them), approve, deny (role
/// <c>approver</c>; getting one also <c>auditor</c> or <c>admin</c>, for an evidence pack of it; approve and deny also need the token bound to a person whom the tenant's register
/// still lists as an approver, who is named on the request, does not own the registered agent at the root of its actor chain and is not the person it
/// acts for: <see cref="ApprovalConflicts"/>; an earlier vote counts only while its person is still such an approver and not suspended, and its
/// token is not revoked: <see cref="ApprovalService.ApproveAsync"/>, told the token each vote is cast with).
/// <c>POST .../approvals/{id}/revoke</c> takes an approved request back (role <c>admin</c>, or an approver named on
/// it): its warrant and the decision tokens issued under it are void at once; one whose warrant was already used is
/// answered 409 <c>approval_already_used</c> (the action was carried out; its decision tokens are void all the same).
/// </summary>
internal static class ApprovalEndpoints
{
    public static void Map(RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/tenants/{tenant}/approvals").WithMetadata(new AdminRolesMetadata(AdminRoles.Approver));
        group.MapGet("/", ListAsync);
        // One request is read by those who audit it too: `evidence export --approval-id` (auditor or admin) starts here.
        group.MapGet("/{id}", GetAsync).WithMetadata(new AdminRolesMetadata(AdminRoles.Approver, AdminRoles.Auditor, AdminRoles.Admin));
        group.MapPost("/{id}/approve", (HttpContext c, string tenant, string id, ApprovalService a, IRegisterDirectory r) =>
            ActAsync(c, tenant, id, a, r, "approval.approve", a.ApproveAsync));
        group.MapPost("/{id}/deny", (HttpContext c, string tenant, string id, ApprovalService a, IRegisterDirectory r) =>
            ActAsync(c, tenant, id, a, r, "approval.deny", a.DenyAsync));
        admin.MapPost("/tenants/{tenant}/approvals/{id}/revoke", RevokeAsync).WithMetadata(new AdminRolesMetadata(AdminRoles.Admin, AdminRoles.Approver));
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, string tenant, string id, ApprovalService approvals, IRegisterDirectory register)
    {
        var principal = AdminAuthFilter.Principal(context);
        var request = await approvals.GetAsync(tenant, id, context.RequestAborted);
        if (request is null)
        {
            return AdminProblem.ForApproval(context, ApprovalErrorCodes.NotFound);
        }

        // An approver revokes only what they were asked to approve, while the register still lists them.
        if (!principal.Roles.Contains(AdminRoles.Admin, StringComparer.Ordinal)
            && (principal.Person is not { } person || !register.IsApprover(tenant, person) || !request.Approvers.Contains(person, StringComparer.Ordinal)))
        {
            return AdminProblem.ForApproval(context, ApprovalErrorCodes.NotAnApprover);
        }

        return await RecordThenActAsync(context, tenant, request, "approval.revoke", ct => approvals.RevokeAsync(tenant, id, principal.AccountableAs, ct));
    }

    private static async Task<IResult> ListAsync(HttpContext context, string tenant, ApprovalService approvals)
    {
        var principal = AdminAuthFilter.Principal(context);
        var pending = await approvals.ListPendingAsync(tenant, context.RequestAborted);
        return Results.Json(new ApprovalListResponse([.. pending.Where(request => MaySee(principal, request))]), AdminJsonContext.Default.ApprovalListResponse);
    }

    private static async Task<IResult> GetAsync(HttpContext context, string tenant, string id, ApprovalService approvals)
    {
        var request = await approvals.GetAsync(tenant, id, context.RequestAborted);
        return request is null || !MaySee(AdminAuthFilter.Principal(context), request)
            ? AdminProblem.ForApproval(context, ApprovalErrorCodes.NotFound)
            : Results.Json(request, AdminJsonContext.Default.ApprovalRequest);
    }

    // An admin or auditor sees every request of the tenant; an approver only those that name them, as the console shows
    // them (another's request is not found: its existence is not told).
    private static bool MaySee(AdminPrincipal principal, ApprovalRequest request) =>
        principal.IsInAnyRole([AdminRoles.Admin, AdminRoles.Auditor])
        || (principal.Person is { } person && request.Approvers.Contains(person, StringComparer.Ordinal));

    private static async Task<IResult> ActAsync(
        HttpContext context,
        string tenant,
        string id,
        ApprovalService approvals,
        IRegisterDirectory register,
        string action,
        Func<string, string, ApprovalVoter, CancellationToken, ValueTask<ApprovalActionResult>> act)
    {
        var principal = AdminAuthFilter.Principal(context);
        if (principal.Person is not { } person || principal.Tenant is null || !register.IsApprover(tenant, person))
        {
            return AdminProblem.ForApproval(context, ApprovalErrorCodes.NotAnApprover);
        }

        var request = await approvals.GetAsync(tenant, id, context.RequestAborted);
        if (request is null)
        {
            return AdminProblem.ForApproval(context, ApprovalErrorCodes.NotFound);
        }

        if (ApprovalConflicts.Of(register, request, person) is { } conflict)
        {
            // The root agent's owner, or the person acted for: whichever child or grandchild asked.
            return AdminProblem.ForApproval(context, conflict);
        }

        var voter = new ApprovalVoter(person, principal.VotesAs) { Credential = CredentialOf(context) };
        return await RecordThenActAsync(context, tenant, request, action, ct => act(tenant, id, voter, ct));
    }

    // The credential a vote is cast with: the bearer token the admin filter authenticated, as the token store keys it.
    private static string CredentialOf(HttpContext context)
    {
        const string scheme = "Bearer ";
        var header = context.Request.Headers.Authorization;
        return header.Count == 1 && header[0] is { } value && value.Length > scheme.Length && value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            ? AdminTokenVotingCredentials.Of(AdminTokenService.HashToken(value[scheme.Length..].Trim()))
            : throw new InvalidOperationException("The admin filter authenticated no bearer token.");
    }

    /// <summary>
    /// Writes the action to the tenant's chain (what the caller asked), then does it (<see cref="RecordedAct"/>): a journal
    /// that cannot take the record fails the call (503 <c>audit_unavailable</c>) before any vote counts. An act the service then
    /// refuses (no longer pending, expired, no longer an approver) is written too, under the same request id, as
    /// <c>admin_refused</c> with its status; so is an act that throws (503 for an unavailable store), which the host then answers.
    /// </summary>
    private static async Task<IResult> RecordThenActAsync(
        HttpContext context, string tenant, ApprovalRequest request, string action, Func<CancellationToken, ValueTask<ApprovalActionResult>> act)
    {
        var result = await RecordedAct.RunAsync(
            () => AdminActionAudit.RecordAsync(context, tenant, action, request.Agent, request.Id),
            act,
            static result => result.Code,
            (code, failure) => AdminActionAudit.RecordAsync(context, tenant, action, request.Agent, request.Id,
                configure: entry => entry with { Decision = AdminActionAudit.RefusedDecision, StatusCode = StatusOf(context, code, failure) }, cancellationToken: CancellationToken.None),
            context.RequestServices.GetRequiredService<ILogger<ApprovalService>>());
        return result.Succeeded
            ? Results.Json(result.Request, AdminJsonContext.Default.ApprovalRequest)
            : Refused(context, result.Code!);
    }

    // The status the refusal is answered with: the service's refusal's, or the host's for an act that threw.
    private static int StatusOf(HttpContext context, string code, Exception? failure) => failure is not null
        ? code == ProblemCodes.StoreUnavailable ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError
        : (Refused(context, code) as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status409Conflict;

    // The service's refusal as a problem: a revocation that came after the warrant was used says so, and what it still did.
    private static IResult Refused(HttpContext context, string code) => code == ApprovalErrorCodes.AlreadyUsed
        ? AdminProblem.Create(context, StatusCodes.Status409Conflict, code, "The approval was already carried out: its warrant was used before the revocation",
            "The action it approved was forwarded; the decision tokens issued under it are void from now on.")
        : AdminProblem.ForApproval(context, code);
}
