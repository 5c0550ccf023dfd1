using System.Text.Json;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Policy.Serialization;
using Gateway.Proxy.Refusals;
using Gateway.Store;

namespace Gateway.Proxy.Reservations;

/// <summary>
/// A run's limits as its counters stand (<c>run_limits</c>): the key of each counter the admission counts in, the
/// <c>429 run_limit_exceeded</c> refusal naming a limit, and whether a parent run's limits are used up (a counter at its
/// limit, or a limit that refused one of its requests), so that a sub-run started under it is no way round them. Shared
/// by Describe (a sub-run's start) and Admit (an action in a run).
/// </summary>
internal static class RunLimitUsage
{
    /// <summary>
    /// The refusal of a sub-run under the run <paramref name="runId"/> of <paramref name="runAgent"/> (started at
    /// <paramref name="createdAt"/>) whose limits are used up: past its <c>duration</c>, an actions, tokens or cost counter
    /// that has reached its limit (read from the keys the admission counts in), or a limit that refused one of its requests
    /// (the counter's exhausted mark, read with them: settles may since have given reservations back, and the parent still
    /// spends what they gave); null while the parent may still act, or when its agent's runs have no limits. A sub-run's
    /// fresh counters are no way round them.
    /// </summary>
    public static async ValueTask<Refusal?> ParentExhaustedAsync(IKeyValueStore store, TimeProvider time, TenantPolicy tenant, string registeredAgent, string runAgent, string runId, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        if (tenant.RunLimitsFor(registeredAgent) is not { } limits)
        {
            return null;
        }

        var age = time.GetUtcNow() - createdAt;
        if (limits.Duration is { } duration && age >= duration)
        {
            return Exceeded(tenant, limits, RunLimitKind.Duration, runId, null, (long)age.TotalSeconds, 0, null);
        }

        var counted = new List<(RunLimitKind Kind, long Limit)>(3);
        if (limits.Actions is { } actions)
        {
            counted.Add((RunLimitKind.Actions, actions));
        }

        if (limits.Tokens is { } tokens)
        {
            counted.Add((RunLimitKind.Tokens, tokens));
        }

        if (limits.Cost is { } cost)
        {
            counted.Add((RunLimitKind.Cost, ModelPricing.ToMicros(cost, MidpointRounding.ToZero)));
        }

        if (counted.Count == 0)
        {
            return null;
        }

        // Each counter, then its exhausted mark: the limit in force when it refused a request it could have held.
        var keys = counted.Select(c => UsageKey(tenant.Slug, runAgent, runId, c.Kind)).ToList();
        var used = await store.GetManyAsync([.. keys, .. keys.Select(StoreKeys.CounterExhausted)], cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < counted.Count; i++)
        {
            // Used up: something was spent and it reached the limit (a limit of 0 gives a sub-run nothing more either).
            if (Number(used[i]) is { } spent && spent > 0 && spent >= counted[i].Limit)
            {
                return Exceeded(tenant, limits, counted[i].Kind, runId, null, spent, 0, null);
            }

            // Or refused under a limit no lower than now, though settles may since have taken the counter below it.
            if (Number(used[counted.Count + i]) is { } marked && counted[i].Limit <= marked)
            {
                return Refused(RunLimitExplanations.UsedUp(tenant, limits, counted[i].Kind, runId, null), counted[i].Kind, runId, null);
            }
        }

        return null;
    }

    private static long? Number(string? text) =>
        long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>The refusal of a request over <paramref name="kind"/>: 429 <c>run_limit_exceeded</c>, the explanation naming the limit, recorded under the tool.</summary>
    public static Refusal Exceeded(TenantPolicy tenant, RunLimits limits, RunLimitKind kind, string runId, string? intentDigest, long used, long requested, string? tool) =>
        Refused(RunLimitExplanations.Exceeded(tenant, limits, kind, runId, intentDigest, used, requested), kind, runId, tool);

    private static Refusal Refused(Explanation explanation, RunLimitKind kind, string runId, string? tool)
    {
        var limit = WireNames.Of(kind);
        return new Refusal(StatusCodes.Status429TooManyRequests, ProblemCodes.RunLimitExceeded,
            $"The run's {limit} limit is used up: {explanation.RuleTriggers[0].Message}. Nothing was forwarded; start a new run.")
        {
            AuditTool = tool ?? "run",
            ExplanationJson = JsonSerializer.SerializeToUtf8Bytes(explanation, PolicyJsonContext.Default.Explanation),
            Members = writer =>
            {
                writer.WriteString("run_id"u8, runId);
                writer.WriteString("limit"u8, limit);
            },
        };
    }

    public static string UsageKey(string tenant, string runAgent, string runId, RunLimitKind kind) =>
        StoreKeys.RunUsage(tenant, runAgent, runId, WireNames.Of(kind));
}
