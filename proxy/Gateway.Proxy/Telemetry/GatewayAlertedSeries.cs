namespace Gateway.Proxy.Telemetry;

/// <summary>
/// The labelled series that the alerts of docs/observability.md and docs/operations.md select, which
/// <see cref="GatewayCountersAtZero"/> puts at 0 at start-up next to each counter's untagged series. A series that first
/// appears already at 1 has no earlier sample, so <c>increase()</c> and <c>rate()</c> read 0 there and the alert misses a
/// replica's first event (its first refused bundle, its first <c>store_unavailable</c>). Each entry's tags are the whole
/// tag set the instrument records with, since another set would be another series. Series tagged by tenant cannot be
/// listed here: their alerts are written to see a series that appears above 0 (docs/observability.md, "Alerts").
/// </summary>
internal static class GatewayAlertedSeries
{
    /// <summary>The error kinds of <c>gateway.store.errors</c> (the Redis store's and the embedded store's).</summary>
    private static readonly string[] StoreErrorKinds = ["timeout", "server_error", "unavailable", "canceled", "other"];

    /// <summary>The audit journal's operations on the state store (<c>operation=~"log_append.*"</c>).</summary>
    private static readonly string[] LogAppendOperations = ["log_append", "log_append_admit", "log_append_settle"];

    /// <summary>Per instrument name, each tag set to publish at 0.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<KeyValuePair<string, object?>[]>> Series =
        new Dictionary<string, IReadOnlyList<KeyValuePair<string, object?>[]>>(StringComparer.Ordinal)
        {
            // GatewayStoreUnavailable, GatewaySignatureFailures, GatewayAuditAppendFailing.
            ["gateway.requests.refused"] = One("code", "store_unavailable", "audit_unavailable", "signature_mismatch"),

            // GatewayPolicyReloadRefused; the dashboard's reloads by result.
            ["gateway.policy.reloads"] = One("result", "refused", "applied"),

            // operations.md, "Token budgets" and run limits: alert on any expired or lost.
            ["gateway.budget.settle.retries"] = One("result", "expired", "lost"),
            ["gateway.run.settle.retries"] = One("result", "expired", "lost"),

            // GatewayAuditAppendFailing: the journal's appends to the state store.
            ["gateway.store.errors"] =
            [
                .. LogAppendOperations.SelectMany(static operation => StoreErrorKinds.Select(kind => new KeyValuePair<string, object?>[]
                {
                    new("operation", operation),
                    new("error.kind", kind),
                })),
            ],
        };

    private static KeyValuePair<string, object?>[][] One(string tag, params string[] values) =>
        [.. values.Select(value => new KeyValuePair<string, object?>[] { new(tag, value) })];
}
