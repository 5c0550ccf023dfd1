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

    private readonly UpDownCounter<long> _approvalsPending;
    private readonly Counter<long> _approvalsSettled;
    private readonly Counter<long> _warrants;
    private readonly Counter<long> _tokenVerifications;
    private readonly Counter<long> _incidents;
    private readonly Counter<long> _incidentNotifications;

    public OversightMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _approvalsPending = meter.CreateUpDownCounter<long>("gateway.approvals.pending", "{request}", "Approval requests waiting for approvers (created here minus settled here; sum over replicas).");
        _approvalsSettled = meter.CreateCounter<long>("gateway.approvals.settled", "{request}", "Approval requests approved, denied or expired.");
        _warrants = meter.CreateCounter<long>("gateway.warrants.redemptions", "{warrant}", "Warrant redemptions by outcome.");
        _tokenVerifications = meter.CreateCounter<long>("gateway.decision_tokens.verifications", "{verification}", "Decision-token verifications asked by executors, by status (live, revoked, expired, invalid, unavailable).");
        _incidents = meter.CreateCounter<long>("gateway.incidents.opened", "{incident}", "Incidents opened.");
        _incidentNotifications = meter.CreateCounter<long>("gateway.incidents.notifications", "{notification}", "Incident webhook deliveries by outcome.");
    }

    internal void ApprovalCreated(string tenant) => _approvalsPending.Add(1, new KeyValuePair<string, object?>("tenant", tenant));

    internal void ApprovalSettled(string tenant, string status)
    {
        _approvalsPending.Add(-1, new KeyValuePair<string, object?>("tenant", tenant));
        _approvalsSettled.Add(1, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("status", status));
    }

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
