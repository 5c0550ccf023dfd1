using Gateway.Oversight.Approvals;
using static Gateway.Proxy.Console.ConsoleHtml;

namespace Gateway.Proxy.Console;

/// <summary>
/// Reading one approval for a page: the approver's session (<see cref="ConsoleGuard"/>), the request, which must name the
/// signed-in person (404 otherwise, so a request's existence is not told to others), and its view against the tenant's
/// policy as loaded.
/// </summary>
internal static class ConsoleApprovalRead
{
    private static readonly string[] Approvers = [ConsoleRoles.Approver];

    /// <summary>The session and the request's view, or the refusal to answer with.</summary>
    public static async Task<(ConsoleSession? Session, ConsoleApprovalView? View, IResult? Refusal)> ReadAsync(
        HttpContext context, string tenant, string id, ApprovalService approvals, Bundle.PolicyProvider policy)
    {
        var (session, refusal) = await ConsoleGuard.ReadAsync(context, tenant, Approvers);
        if (session is null)
        {
            return (null, null, refusal);
        }

        var request = await approvals.GetAsync(tenant, id, context.RequestAborted);
        if (request is null || !request.Approvers.Contains(session.Person, StringComparer.Ordinal))
        {
            return (session, null, Refusal(StatusCodes.Status404NotFound, ApprovalErrorCodes.NotFound, "No such approval request names you.", session));
        }

        return (session, ConsoleApprovalView.Of(request, TenantOf(policy, tenant)), null);
    }

    /// <summary>The tenant's policy as loaded, or null (no bundle yet, or no such tenant).</summary>
    public static Gateway.Policy.TenantPolicy? TenantOf(Bundle.PolicyProvider policy, string tenant)
    {
        Gateway.Policy.TenantPolicy? tenantPolicy = null;
        policy.Current?.Set.Tenants.TryGetValue(tenant, out tenantPolicy);
        return tenantPolicy;
    }
}
