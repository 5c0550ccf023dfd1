using System.Globalization;

namespace Gateway.Policy;

/// <summary>
/// How a run's limits explain themselves (<see cref="RunLimits"/>): the rule trigger and remedy of a loop the decision
/// names, and the explanation of a request the host refused before any decision because the run's actions, tokens, cost
/// or duration are used up (or, for a sub-run, because its parent was refused under one of them). Pure: the host passes what it counted.
/// </summary>
public static class RunLimitExplanations
{
    /// <summary>The reason code of a request refused for a run limit (and the refusal's code).</summary>
    public const string LimitExceeded = "run_limit_exceeded";

    /// <summary>The reason code of a decision the run's loop detection moved.</summary>
    public const string LoopDetected = "run_loop_detected";

    /// <summary>The rule name of <paramref name="kind"/> in <c>rule_triggers</c>: <c>run_limits.actions</c>, …</summary>
    public static string RuleOf(RunLimitKind kind) => "run_limits." + WireNames.Of(kind);

    /// <summary>The rule name of the loop detection in <c>rule_triggers</c>.</summary>
    public const string LoopRule = "run_limits.loop";

    /// <summary>
    /// The explanation of a request refused because <paramref name="kind"/> of <paramref name="limits"/> is used up in run
    /// <paramref name="runId"/>: <paramref name="used"/> so far and <paramref name="requested"/> more asked (micro-units for
    /// cost, seconds of age for duration). No control ran; the one trigger and remedy name the limit.
    /// </summary>
    public static Explanation Exceeded(TenantPolicy tenant, RunLimits limits, RunLimitKind kind, string runId, string? intentDigest, long used, long requested)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(limits);
        var owner = Owner(limits);
        var rule = RuleOf(kind);
        var currency = tenant.PricingCurrency;
        var (message, raise) = kind switch
        {
            RunLimitKind.Actions => (
                $"run {runId} has taken {Number(used)} of its {Number(limits.Actions ?? 0)} actions ({rule} of {owner})",
                $"raise {rule} of {owner} (now {Number(limits.Actions ?? 0)})"),
            RunLimitKind.Tokens => (
                $"this model call reserves up to {Number(requested)} tokens and run {runId} has used {Number(used)} of its {Number(limits.Tokens ?? 0)} ({rule} of {owner})",
                $"raise {rule} of {owner} (now {Number(limits.Tokens ?? 0)}), or ask for fewer output tokens"),
            RunLimitKind.Cost => (
                $"this model call may cost up to {Money(requested, currency)} and run {runId} has spent {Money(used, currency)} of its {Money(limits.Cost ?? 0, currency)} ({rule} of {owner})",
                $"raise {rule} of {owner} (now {Money(limits.Cost ?? 0, currency)}), or ask for fewer output tokens"),
            _ => (
                $"run {runId} started {Age(used)} ago and may act for {Age(limits.Duration)} ({rule} of {owner})",
                $"raise {rule} of {owner} (now {Age(limits.Duration)})"),
        };
        return LimitRefusal(tenant, rule, runId, intentDigest, message, raise);
    }

    /// <summary>
    /// The explanation of a sub-run refused because a request of its parent <paramref name="runId"/> was refused under
    /// <paramref name="kind"/> of <paramref name="limits"/> (no lower then than now): the parent's <paramref name="kind"/>
    /// count as used up, though settles may since have given reservations back. No control ran; the one trigger and remedy
    /// name the limit.
    /// </summary>
    public static Explanation UsedUp(TenantPolicy tenant, RunLimits limits, RunLimitKind kind, string runId, string? intentDigest)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(limits);
        var owner = Owner(limits);
        var rule = RuleOf(kind);
        var name = WireNames.Of(kind);
        var limit = kind switch
        {
            RunLimitKind.Cost => Money(limits.Cost ?? 0, tenant.PricingCurrency),
            RunLimitKind.Tokens => Number(limits.Tokens ?? 0) + " tokens",
            _ => Number(limits.Actions ?? 0) + " actions",
        };
        return LimitRefusal(tenant, rule, runId, intentDigest,
            $"run {runId} was refused a request under its {name} limit of {limit} ({rule} of {owner}), so its {name} count as used up",
            $"raise {rule} of {owner} (now {limit})");
    }

    // A refusal's explanation: no control ran, one trigger naming the limit, the remedy a new run or a higher limit.
    private static Explanation LimitRefusal(TenantPolicy tenant, string rule, string runId, string? intentDigest, string message, string raise) => new()
    {
        PolicyDigest = tenant.Digest,
        IntentDigest = intentDigest ?? string.Empty,
        DecisionPath = [],
        RuleTriggers = [new RuleTrigger { Rule = rule, ReasonCode = LimitExceeded, Effect = DecisionKind.Block, Message = message }],
        OpenRisks = [],
        WhatWouldChange = [$"start a new run, or {raise}"],
        RunId = runId,
    };

    /// <summary>The trigger of <paramref name="loop"/> on an intent that occurred <paramref name="repeats"/> times in <paramref name="runId"/>.</summary>
    internal static RuleTrigger LoopTrigger(RunLoopRule loop, string agent, string intentDigest, string runId, long repeats) => new()
    {
        Rule = LoopRule,
        ReasonCode = LoopDetected,
        Effect = loop.Decision,
        Message = $"the same action (intent {intentDigest}) occurred {Number(repeats)} times in run {runId} (counted with every run of its tree: parent runs and sub-runs, and with the agent's delegated children); {LoopRule} of agent '{agent}' decides {WireNames.Of(loop.Decision)} once an intent occurs {Number(loop.Repeats)} times",
    };

    /// <summary>The remedy of a loop: stop repeating, or start a new run (a sub-run counts with its parent).</summary>
    internal static string LoopRemedy(RunLoopRule loop, string agent, string runId) =>
        $"do not repeat this exact action in run {runId} (at most {Number(loop.Repeats - 1)} times, {LoopRule} of agent '{agent}'): change it, or start a new run that is no sub-run of it";

    private static string Owner(RunLimits limits) => limits.Agent == "*" ? "the tenant's default (agent '*')" : $"agent '{limits.Agent}'";

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Money(long micros, string? currency) => Money(ModelPricing.FromMicros(micros), currency);

    private static string Money(decimal amount, string? currency) =>
        amount.ToString("0.######", CultureInfo.InvariantCulture) + (currency is null ? string.Empty : " " + currency);

    private static string Age(long seconds) => Age(TimeSpan.FromSeconds(seconds));

    // 1d2h3m4s, as a bundle writes a duration (whole seconds; 0s for less).
    private static string Age(TimeSpan? span)
    {
        var total = (long)(span ?? TimeSpan.Zero).TotalSeconds;
        if (total <= 0)
        {
            return "0s";
        }

        var text = new System.Text.StringBuilder();
        foreach (var (unit, seconds) in (ReadOnlySpan<(string, long)>)[("d", 86400), ("h", 3600), ("m", 60), ("s", 1)])
        {
            if (total >= seconds)
            {
                text.Append(CultureInfo.InvariantCulture, $"{total / seconds}{unit}");
                total %= seconds;
            }
        }

        return text.ToString();
    }
}
