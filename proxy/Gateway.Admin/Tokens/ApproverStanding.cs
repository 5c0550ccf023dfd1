using Gateway.Oversight.Register;
using Gateway.Store;

namespace Gateway.Admin.Tokens;

/// <summary>
/// Whether an approver's earlier vote still counts when a request settles (admin API and console alike): the tenant's
/// register still lists them as an approver, and no console user of theirs is suspended now
/// (<see cref="ConsolePersonSuspensions.IsPersonSuspendedAsync"/>), so a vote cast before the suspension, with a leaked
/// token say, does not settle the request with the next approver's vote.
/// </summary>
public static class ApproverStanding
{
    /// <summary>The check <see cref="Gateway.Oversight.Approvals.ApprovalService"/> asks of each person behind a vote of <paramref name="tenant"/>.</summary>
    public static Func<string, CancellationToken, ValueTask<bool>> Of(IRegisterDirectory register, IKeyValueStore store, string tenant)
    {
        ArgumentNullException.ThrowIfNull(register);
        ArgumentNullException.ThrowIfNull(store);
        return async (person, cancellationToken) =>
            register.IsApprover(tenant, person) && !await ConsolePersonSuspensions.IsPersonSuspendedAsync(store, tenant, person, cancellationToken);
    }
}
