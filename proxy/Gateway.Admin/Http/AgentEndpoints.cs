using Gateway.Admin.Tokens;
using Gateway.Oversight;
using Gateway.Oversight.Agents;
using Gateway.Oversight.Delegations;
using Gateway.Oversight.Register;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Admin.Http;

/// <summary>
/// <c>/admin/v1/tenants/{tenant}/agents/{agent}</c>: the kill switches (role <c>admin</c>) and their
/// state (admin or auditor): the switches, the agent's secrets or keys by fingerprint (which are accepted and retired
/// now) and its live delegations. A switch for a tenant or agent that is not in the policy in force is
/// refused with 404, so that a typo cannot leave the real agent running while the operator believes it stopped; so is
/// the state of one that is neither in it nor a live delegated child, so that a typo never reads as "not suspended".
/// Each switch is written to the tenant's chain before it changes, so none changes unrecorded.
/// </summary>
internal static class AgentEndpoints
{
    public static void Map(RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/tenants/{tenant}/agents/{agent}");
        group.MapGet("/status", GetAsync).WithMetadata(new AdminRolesMetadata(AdminRoles.Admin, AdminRoles.Auditor));
        var switches = group.MapGroup("/").WithMetadata(new AdminRolesMetadata(AdminRoles.Admin));
        switches.MapPost("/suspend", (HttpContext c, string tenant, string agent, AgentStatusService s) =>
            FlipAsync(c, tenant, agent, "agent.suspend", (p, ct) => s.SuspendAsync(tenant, agent, p, ct), s));
        switches.MapPost("/resume", (HttpContext c, string tenant, string agent, AgentStatusService s) =>
            FlipAsync(c, tenant, agent, "agent.resume", (p, ct) => s.ResumeAsync(tenant, agent, p, ct), s));
        switches.MapPost("/revoke-secret", (HttpContext c, string tenant, string agent, AgentStatusService s) =>
            FlipAsync(c, tenant, agent, "agent.revoke_secret", (p, ct) => s.RevokeSecretAsync(tenant, agent, p, ct), s));
        switches.MapPost("/retire-secret", RetireSecretAsync);
        switches.MapPost("/restore-secret", (HttpContext c, string tenant, string agent, AgentStatusService s) =>
            FlipAsync(c, tenant, agent, "agent.restore_secret", (p, ct) => s.RestoreSecretAsync(tenant, agent, p, ct), s));
    }

    /// <summary>The agent's state: 404 unless it is in the policy in force or a live delegated child of the tenant (a typo never reads as running).</summary>
    private static async Task<IResult> GetAsync(HttpContext context, string tenant, string agent, AgentStatusService statuses)
    {
        if (NotInRegister(context, tenant, agent) is { } notFound
            && !(DelegationIds.IsDelegate(agent) && context.RequestServices.GetRequiredService<IRegisterDirectory>().HasTenant(tenant)
                 && await context.RequestServices.GetRequiredService<DelegationStore>().FindLiveAsync(tenant, agent, context.RequestAborted) is not null))
        {
            return notFound;
        }

        return await StatusAsync(context, tenant, agent, statuses);
    }

    private static async Task<IResult> StatusAsync(HttpContext context, string tenant, string agent, AgentStatusService statuses)
    {
        var status = await statuses.GetAsync(tenant, agent, context.RequestAborted);
        var credentials = context.RequestServices.GetService<IAgentSecretRotation>()?.CredentialsOf(tenant, agent);
        if (credentials is not null)
        {
            var retired = await statuses.RetiredAsync(tenant, agent, [.. credentials.Slots.Select(static s => s.Fingerprint)], context.RequestAborted);
            credentials = credentials with
            {
                Slots = [.. credentials.Slots.Select(s => retired.Contains(s.Fingerprint) ? s with { Retired = true, Accepted = false } : s)],
            };
        }

        var delegations = await context.RequestServices.GetRequiredService<DelegationStore>().SubtreeAsync(tenant, agent, context.RequestAborted);
        return Results.Json(
            new AgentStatusResponse(tenant, agent, status.Suspended, status.SecretRevoked) { Credentials = credentials, LiveDelegations = delegations.Count },
            AdminJsonContext.Default.AgentStatusResponse);
    }

    private static async Task<IResult> FlipAsync(
        HttpContext context, string tenant, string agent, string action, Func<string, CancellationToken, ValueTask> flip, AgentStatusService statuses)
    {
        if (NotInRegister(context, tenant, agent) is { } notFound)
        {
            return notFound;
        }

        var actor = AdminAuthFilter.Principal(context).Name;
        await RecordThenSwitchAsync(context, tenant, agent, action, ct => flip(actor, ct));
        return await StatusAsync(context, tenant, agent, statuses);
    }

    /// <summary>
    /// Writes the switch to the tenant's chain, then sets it (<see cref="RecordedAct"/>): a journal that cannot take the
    /// record fails the call (503 <c>audit_unavailable</c>) before the switch changes; a switch that then fails (its store
    /// unavailable) is written too, under the same request id, as <c>admin_refused</c> with the status the host answers.
    /// </summary>
    internal static async Task RecordThenSwitchAsync(HttpContext context, string tenant, string? agent, string action, Func<CancellationToken, ValueTask> change) =>
        await RecordedAct.RunAsync(
            () => AdminActionAudit.RecordAsync(context, tenant, action, agent),
            change,
            (code, _) => AdminActionAudit.RecordAsync(context, tenant, action, agent, configure: entry => entry with
            {
                Decision = AdminActionAudit.RefusedDecision,
                StatusCode = code == ProblemCodes.StoreUnavailable ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError,
            }, cancellationToken: CancellationToken.None),
            context.RequestServices.GetRequiredService<ILogger<AgentStatusService>>());

    /// <summary>
    /// Retires the agent's current secret during a rotation: from now on only its next secret is accepted, on every
    /// replica. Refused (409, nothing stored) when no next secret is accepted now, which would leave the agent no secret
    /// at all (<c>revoke-secret</c> is the switch for that).
    /// </summary>
    private static async Task<IResult> RetireSecretAsync(HttpContext context, string tenant, string agent, AgentStatusService statuses)
    {
        if (NotInRegister(context, tenant, agent) is { } notFound)
        {
            return notFound;
        }

        if (context.RequestServices.GetService<IAgentSecretRotation>()?.RetirableSecret(tenant, agent) is not { } fingerprint)
        {
            return AdminProblem.Create(context, StatusCodes.Status409Conflict, ProblemCodes.NoSecretRotation,
                "The agent has no next secret or key accepted now; retiring its current one would leave it none (revoke-secret does that)");
        }

        var actor = AdminAuthFilter.Principal(context).Name;
        await RecordThenSwitchAsync(context, tenant, agent, "agent.retire_secret", ct => statuses.RetireSecretAsync(tenant, agent, fingerprint, actor, ct));
        return await StatusAsync(context, tenant, agent, statuses);
    }

    /// <summary>The 404 for a tenant or agent that is not in the policy in force; null when both are.</summary>
    private static IResult? NotInRegister(HttpContext context, string tenant, string agent)
    {
        var register = context.RequestServices.GetRequiredService<IRegisterDirectory>();
        if (!register.HasTenant(tenant))
        {
            return AdminProblem.Create(context, StatusCodes.Status404NotFound, ProblemCodes.TenantNotFound, "No such tenant in the policy in force");
        }

        return register.HasAgent(tenant, agent)
            ? null
            : AdminProblem.Create(context, StatusCodes.Status404NotFound, ProblemCodes.AgentNotFound, "No such agent in the tenant's register");
    }
}
