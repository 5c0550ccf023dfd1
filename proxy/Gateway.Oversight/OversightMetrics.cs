using System.Collections.Frozen;
using System.Diagnostics.Metrics;

namespace Gateway.Oversight;

/// <summary>
/// The oversight library's instruments, on meter <c>Gateway.Oversight</c> (the audit log's, <see cref="Gateway.Audit.AuditMetrics"/>,
/// are on the same meter).
/// </summary>
public sealed class OversightMetrics
{
    /// <summary>The meter name to subscribe to.</summary>
    public const string MeterName = "Gateway.Oversight";

    private FrozenDictionary<string, long>? _approvalsPending;
    private readonly Counter<long> _approvalsSettled;
    private readonly Counter<long> _warrants;
    private readonly Counter<long> _tokenVerifications;
    private readonly Counter<long> _incidents;
    private readonly Counter<long> _incidentNotifications;

    public OversightMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableGauge("gateway.approvals.pending", ObservePending, "{request}", "Approval requests waiting for approvers, as the store holds them (every replica reports the same figure: max by tenant, never sum).");
        _approvalsSettled = meter.CreateCounter<long>("gateway.approvals.settled", "{request}", "Approval requests approved, denied or expired.");
        _warrants = meter.CreateCounter<long>("gateway.warrants.redemptions", "{warrant}", "Warrant redemptions by outcome.");
        _tokenVerifications = meter.CreateCounter<long>("gateway.decision_tokens.verifications", "{verification}", "Decision-token verifications asked by executors, by status (live, revoked, expired, invalid, unavailable).");
        _incidents = meter.CreateCounter<long>("gateway.incidents.opened", "{incident}", "Incidents opened.");
        _incidentNotifications = meter.CreateCounter<long>("gateway.incidents.notifications", "{notification}", "Incident webhook deliveries by outcome.");
    }

    /// <summary>
    /// The figures <c>gateway.approvals.pending</c> reports from now on, per tenant, as <see cref="Approvals.PendingApprovalsRefresher"/>
    /// last counted them in the store (nothing is reported before its first count: a restarted replica never reads 0 meanwhile).
    /// </summary>
    internal void ReportPending(FrozenDictionary<string, long> pending) => Volatile.Write(ref _approvalsPending, pending);

    internal void ApprovalSettled(string tenant, string status) =>
        _approvalsSettled.Add(1, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("status", status));

    // The scrape's callback: the last figures counted, never a store call; and one series without a tenant, always 0, so that
    // the metric is present (at 0) before any tenant has opened an approval, as the other instruments are (max by tenant: 0).
    private IEnumerable<Measurement<long>> ObservePending() =>
        Volatile.Read(ref _approvalsPending) is { } pending
            ? pending.Select(static p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>("tenant", p.Key))).Prepend(new Measurement<long>(0))
            : [new Measurement<long>(0)];

    internal void WarrantRedemption(string tenant, string outcome) =>
        _warrants.Add(1, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("outcome", outcome));

    public void TokenVerified(string? tenant, string status) =>
        _tokenVerifications.Add(1, new KeyValuePair<string, object?>("tenant", tenant ?? "unknown"), new KeyValuePair<string, object?>("status", status));

    internal void IncidentOpened(string tenant) => _incidents.Add(1, new KeyValuePair<string, object?>("tenant", tenant));

    internal void IncidentNotified(string tenant) =>
        _incidentNotifications.Add(1, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("outcome", "delivered"));

    internal void IncidentNotificationDropped(string tenant) =>
        _incidentNotifications.Add(1, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("outcome", "dropped"));

    internal void IncidentNotificationCoalesced(string tenant) =>
        _incidentNotifications.Add(1, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("outcome", "coalesced"));
}
