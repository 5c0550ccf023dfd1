using System.Text.Json;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Policy.Serialization;
using Gateway.Proxy.Refusals;
using Gateway.Store;

namespace Gateway.Proxy.Reservations;

/// <summary>
/// A run's limits as its counters stand (<c>run_limits</c>): the key of each counter the admission counts in, the
/// <c>429 run_limit_exceeded</c> refusal naming a limit, and whether a parent run's limits are used up, so that a sub-run
/// started under it is no way round them. Shared by Describe (a sub-run's start) and Admit (an action in a run).
/// </summary>
internal static class RunLimitUsage
{
    /// <summary>
    /// The refusal of a sub-run under the run <paramref name="runId"/> of <paramref name="runAgent"/> (started at <paramref name="createdAt"/>) whose limits are used up: past its <c>duration</c>, or an
    /// actions, tokens or cost counter that has reached its limit (read from the keys the admission counts in); null while
    /// the parent may still act, or when its agent's runs have no limits. A sub-run's fresh counters are no way round them.
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

        var used = await store.GetManyAsync([.. counted.Select(c => UsageKey(tenant.Slug, runAgent, runId, c.Kind))], cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < counted.Count; i++)
        {
            // Used up: something was spent and it reached the limit (a limit of 0 gives a sub-run nothing more either).
            if (long.TryParse(used[i], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var spent) && spent > 0 && spent >= counted[i].Limit)
            {
                return Exceeded(tenant, limits, counted[i].Kind, runId, null, spent, 0, null);
            }
        }

        return null;
    }

    /// <summary>The refusal of a request over <paramref name="kind"/>: 429 <c>run_limit_exceeded</c>, the explanation naming the limit, recorded under the tool.</summary>
    public static Refusal Exceeded(TenantPolicy tenant, RunLimits limits, RunLimitKind kind, string runId, string? intentDigest, long used, long requested, string? tool)
    {
        var explanation = RunLimitExplanations.Exceeded(tenant, limits, kind, runId, intentDigest, used, requested);
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
