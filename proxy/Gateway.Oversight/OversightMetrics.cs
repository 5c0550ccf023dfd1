using System.Diagnostics.Metrics;

namespace Gateway.Oversight;

/// <summary>The oversight library's instruments, on meter <c>Gateway.Oversight</c>.</summary>
public sealed class OversightMetrics
{
    /// <summary>The meter name to subscribe to.</summary>
    public const string MeterName = "Gateway.Oversight";

    private readonly UpDownCounter<long> _approvalsPending;
    private readonly Counter<long> _approvalsSettled;
    private readonly Counter<long> _warrants;
    private readonly Counter<long> _auditRecords;
    private readonly Counter<long> _auditConflicts;
    private readonly Counter<long> _auditBacklogDropped;
    private readonly Counter<long> _incidents;
    private readonly Counter<long> _incidentNotifications;

    public OversightMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _approvalsPending = meter.CreateUpDownCounter<long>("gateway.approvals.pending", "{request}", "Approval requests waiting for approvers (created here minus settled here; sum over replicas).");
        _approvalsSettled = meter.CreateCounter<long>("gateway.approvals.settled", "{request}", "Approval requests approved, denied or expired.");
        _warrants = meter.CreateCounter<long>("gateway.warrants.redemptions", "{warrant}", "Warrant redemptions by outcome.");
        _auditRecords = meter.CreateCounter<long>("gateway.audit.records", "{record}", "Audit records appended.");
        _auditConflicts = meter.CreateCounter<long>("gateway.audit.append_conflicts", "{conflict}", "Appends retried because another writer extended the chain first (per partition: tenant and replica).");
        _auditBacklogDropped = meter.CreateCounter<long>("gateway.audit.backlog_dropped", "{record}", "Refusals that could not be recorded later because the backlog (sink down) was full.");
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

    internal void AuditAppended(string tenant, string decision) =>
        _auditRecords.Add(1, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("decision", decision));

    /// <summary>An append lost to another writer of the same chain (tagged with the partition: tenant and replica).</summary>
    internal void AuditConflict(string tenant, string replica) =>
        _auditConflicts.Add(1, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("replica", replica));

    internal void AuditBacklogDropped(string tenant) => _auditBacklogDropped.Add(1, new KeyValuePair<string, object?>("tenant", tenant));

    internal void IncidentOpened(string tenant) => _incidents.Add(1, new KeyValuePair<string, object?>("tenant", tenant));

    internal void IncidentNotified(string tenant) =>
        _incidentNotifications.Add(1, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("outcome", "delivered"));

    internal void IncidentNotificationDropped(string tenant) =>
        _incidentNotifications.Add(1, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("outcome", "dropped"));
}
