using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Store;

namespace Gateway.Proxy.Admit;

/// <summary>
/// The run's part of a request's admission, planned before its one store call (<see cref="RunLimitGate.Plan"/>): the
/// counters to reserve in, all or none (<see cref="Counters"/>), each with the limit it enforces (<see cref="Limits"/>;
/// null for the intent's count, which refuses nothing).
/// </summary>
/// <param name="Tenant">The tenant's policy.</param>
/// <param name="Caller">The caller as the policy sees it.</param>
/// <param name="Request">The action asked for.</param>
/// <param name="Run">The run it acts in.</param>
/// <param name="Limits">The run's limits (its agent's, or the tenant's default).</param>
/// <param name="Counters">The counters to reserve in.</param>
/// <param name="Limited">What each counter limits, in order; null for the intent's count.</param>
internal sealed record RunAdmissionPlan(
    TenantPolicy Tenant,
    AuthenticatedCaller Caller,
    ActionRequest Request,
    RunBinding Run,
    RunLimits Limits,
    IReadOnlyList<CounterReservation> Counters,
    IReadOnlyList<RunLimitKind?> Limited)
{
    /// <summary>The tool the request names (what a refusal is recorded under).</summary>
    public string? Tool => Request.Tool;

    /// <summary>True for an action that executes; false for an evaluation or a simulated action, which spends nothing.</summary>
    public bool Executes { get; init; }

    /// <summary>The action as the policy describes it, when its intent digest was needed (the loop detection); the Decide stage reuses it.</summary>
    public DescribeResult? Described { get; init; }

    /// <summary>The pricing of the model call whose cost is reserved; null for none.</summary>
    public ModelPricing? Pricing { get; init; }

    /// <summary>The index in <see cref="Counters"/> of <paramref name="kind"/>'s counter, or -1.</summary>
    public int IndexOf(RunLimitKind kind)
    {
        for (var i = 0; i < Limited.Count; i++)
        {
            if (Limited[i] == kind)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The index of the intent's counter, or -1.</summary>
    public int IntentIndex
    {
        get
        {
            for (var i = 0; i < Limited.Count; i++)
            {
                if (Limited[i] is null)
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
