using System.Text.Json;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Reservations;
using Gateway.Store;

namespace Gateway.Proxy.Admit;

/// <summary>
/// A run's limits (<c>run_limits</c> in the bundle, <see cref="TenantPolicy.RunLimitsFor"/>) on the requests that act in
/// it. The run's age is checked against its <c>duration</c> before the store call; the request's one admission call
/// (<see cref="AdmissionGate"/>) then counts its action and reserves its model tokens and cost (at the price of the model
/// it names, <see cref="ModelPricing.For"/>, or of the model its entry's <c>route</c> degrade runs when dearer; an Anthropic
/// call's input at its dearest prompt-cache price, <see cref="ModelPricing.ReserveMicros"/>; a model
/// the pricing does not price is refused, 403 <c>model_not_priced</c>)
/// in the run's counters, all or none, shared by every replica (<see cref="Plan"/>), and counts its intent digest for the
/// loop detection, whose count the decision reads (<see cref="RunReservation.Activity"/>), counted under the root of the
/// run's tree so that a sub-run's repeats count with its parent's (<see cref="RunBinding.LoopRun"/>). A limit that would be passed refuses the request:
/// <c>429 run_limit_exceeded</c> naming the limit, with an explanation (<see cref="RunLimitExplanations"/>), recorded. The
/// Respond stage settles what was reserved against the usage the provider reports, or gives it back when nothing was
/// forwarded (<see cref="RunCounters.SettleAsync"/>), at the price of the model it ran (<see cref="RunReservation.RouteTo"/>). An evaluation, or a simulated action, executes nothing: it spends nothing, is
/// never refused for a limit, and only reads its intent's count (as the action would be counted).
/// </summary>
internal sealed class RunLimitGate
{
    private static readonly TimeSpan ShortestLifetime = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time;

    public RunLimitGate(TimeProvider time) => _time = time;

    /// <summary>
    /// The run's part of the admission of <paramref name="described"/> (<paramref name="call"/> its model call, when it is
    /// one); null with no refusal when the request acts in no run or its agent's runs have no limits; a refusal when the
    /// run has outlived its <c>duration</c>.
    /// </summary>
    public (RunAdmissionPlan? Plan, Refusal? Refusal) Plan(DescribedAction described, AgentIdentity identity, ModelCallEstimate? call)
    {
        var tenant = described.Tenant;
        if (identity.Run is not { } run || tenant.RunLimitsFor(identity.RegisteredAgent) is not { } limits)
        {
            return (null, null);
        }

        var tool = described.Request.Tool;
        var caller = identity.Caller;
        var executes = !described.DecideOnly && !described.Request.Simulate;
        var now = _time.GetUtcNow();
        var age = now - run.Record.CreatedAt;
        if (executes && limits.Duration is { } duration && age >= duration)
        {
            return (null, RunLimitUsage.Exceeded(tenant, limits, RunLimitKind.Duration, run.Id, Describe(tenant, caller, described.Request)?.Descriptor?.IntentDigest, (long)age.TotalSeconds, 0, tool));
        }

        var lifetime = run.Record.ExpiresAt - now;
        lifetime = lifetime < ShortestLifetime ? ShortestLifetime : lifetime;
        var counters = new List<CounterReservation>(AdmissionRequest.MaxCounters);
        var limited = new List<RunLimitKind?>(AdmissionRequest.MaxCounters);
        void Count(string key, long amount, long? limit, RunLimitKind? kind)
        {
            counters.Add(new CounterReservation(key, amount, limit, lifetime));
            limited.Add(kind);
        }

        ModelPricing? pricing = null;
        if (executes)
        {
            if (limits.Actions is { } actions)
            {
                Count(RunLimitUsage.UsageKey(identity.Tenant, run.Agent, run.Id, RunLimitKind.Actions), 1, actions, RunLimitKind.Actions);
            }

            if (call is { } model && limits.Tokens is { } tokens)
            {
                Count(RunLimitUsage.UsageKey(identity.Tenant, run.Agent, run.Id, RunLimitKind.Tokens), model.Tokens, tokens, RunLimitKind.Tokens);
            }

            if (call is { Entry.Pricing: { } entryPricing } costed && limits.Cost is { } cost)
            {
                // Priced as the model the call names (its listed price, else the connector's flat one); none: refused.
                var named = ModelNamed(described.ModelRequest);
                if (entryPricing.For(named) is not { } priced)
                {
                    return (null, RunReservation.NotPriced(costed.Entry, named));
                }

                // Reserved at the dearer of it and the model the entry's route degrade runs (the decision, made later, may
                // route the call there); settled at the price of the model it ran (RunReservation.RouteTo).
                // An Anthropic call's input may be settled as prompt-cache writes: reserved at the dearest input-side price.
                pricing = priced;
                var cached = costed.Entry.Kind == ConnectorKind.Anthropic;
                long Reserve(ModelPricing at) => cached ? at.ReserveMicros(costed.InputTokens, costed.OutputTokens) : at.CostMicros(costed.InputTokens, costed.OutputTokens);
                var reserved = Reserve(priced);
                if (costed.Entry.Degrade is { Mode: DegradeMode.Route, Route.Model: { } routeModel } && routeModel != named && entryPricing.For(routeModel) is { } routePriced)
                {
                    reserved = Math.Max(reserved, Reserve(routePriced));
                }

                Count(RunLimitUsage.UsageKey(identity.Tenant, run.Agent, run.Id, RunLimitKind.Cost), reserved, ModelPricing.ToMicros(cost, MidpointRounding.ToZero), RunLimitKind.Cost);
            }
        }

        DescribeResult? action = null;
        if (limits.Loop is not null)
        {
            // The intent digest (the pure policy's) is counted in the same store call, under the root of the run's tree (a
            // sub-run's repeats count with its parent's) and with the registered agent for the actor (DecisionEngine.LoopDigest: a
            // delegated child's repeats count with its agent's); an evaluation reads it.
            action = Describe(tenant, caller, described.Request);
            if (action?.Descriptor is { } descriptor)
            {
                Count(StoreKeys.RunIntent(identity.Tenant, run.Agent, run.LoopRun, DecisionEngine.LoopDigest(descriptor, described.Request)), executes ? 1 : 0, null, null);
            }
        }

        return counters.Count == 0 && action is null
            ? (null, null)
            : (new RunAdmissionPlan(tenant, caller, described.Request, run, limits, counters, limited) { Executes = executes, Described = action, Pricing = pricing }, null);
    }

    /// <summary>What the admission reserved and counted in the run (<paramref name="counted"/> reserved, or null when it counted nothing).</summary>
    public static RunReservation Admitted(RunAdmissionPlan plan, CounterOutcome? counted)
    {
        var tokens = plan.IndexOf(RunLimitKind.Tokens);
        var cost = plan.IndexOf(RunLimitKind.Cost);
        var intent = plan.IntentIndex;
        var reserved = counted is { Reserved: true };
        return new RunReservation(plan.Run.Id)
        {
            TokensKey = reserved && tokens >= 0 ? plan.Counters[tokens].Key : null,
            Tokens = reserved && tokens >= 0 ? plan.Counters[tokens].Amount : 0,
            CostKey = reserved && cost >= 0 ? plan.Counters[cost].Key : null,
            CostMicros = reserved && cost >= 0 ? plan.Counters[cost].Amount : 0,
            Pricing = plan.Pricing,

            // An evaluation read the count: the action it evaluates would be the next.
            Activity = reserved && intent >= 0 ? new RunActivity(plan.Run.Id, counted!.Values[intent] + (plan.Executes ? 0 : 1)) : null,
        };
    }

    /// <summary>The refusal of a request whose admission found a limit of the run used up (<paramref name="counted"/> refused).</summary>
    public static Refusal Refused(RunAdmissionPlan plan, CounterOutcome counted)
    {
        var index = counted.RefusedIndex;
        var intentDigest = (plan.Described ?? Describe(plan.Tenant, plan.Caller, plan.Request))?.Descriptor?.IntentDigest;
        return RunLimitUsage.Exceeded(plan.Tenant, plan.Limits, plan.Limited[index]!.Value, plan.Run.Id, intentDigest, counted.Values[index], plan.Counters[index].Amount, plan.Tool);
    }

    // The model a request names: its `model` member, a string (ModelRequestMembers refuses any other spelling or type).
    private static string? ModelNamed(JsonElement request) =>
        request.ValueKind == JsonValueKind.Object && request.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String ? model.GetString() : null;

    private static DescribeResult? Describe(TenantPolicy tenant, AuthenticatedCaller caller, ActionRequest request)
    {
        try
        {
            return DecisionEngine.Instance.Describe(tenant, caller, request);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Describing failed: the decision blocks such a request (fail closed); here its intent digest is simply unknown.
            return null;
        }
    }
}
