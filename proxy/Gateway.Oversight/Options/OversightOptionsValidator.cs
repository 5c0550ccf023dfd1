using System.Globalization;
using Gateway.Audit;
using Gateway.Audit.Options;
using Microsoft.Extensions.Options;

namespace Gateway.Oversight.Options;

/// <summary>
/// Validates <see cref="OversightOptions"/> at start-up, reporting every error at once. <paramref name="storeRetiresLogs"/>:
/// the state store is the embedded one, whose logs retire (so the <c>store</c> audit sink can take retention).
/// </summary>
internal sealed class OversightOptionsValidator(bool storeRetiresLogs = false) : IValidateOptions<OversightOptions>
{
    /// <summary>The largest <c>Gateway:Approvals:MaxOpenPerAgent</c>: every open one of an agent is read when it opens one more at it.</summary>
    internal const int MaxOpenPerAgentLimit = 1_000;

    /// <summary>The largest <c>Gateway:Approvals:MaxRequestTtl</c>.</summary>
    internal static readonly TimeSpan MaxRequestTtlLimit = TimeSpan.FromDays(30);

    /// <summary>The largest <c>Gateway:Approvals:MaxWarrantTtl</c>.</summary>
    internal static readonly TimeSpan MaxWarrantTtlLimit = TimeSpan.FromDays(7);

    public ValidateOptionsResult Validate(string? name, OversightOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Collect(options, storeRetiresLogs);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static List<string> Collect(OversightOptions options, bool storeRetiresLogs)
    {
        var errors = new List<string>();
        var approvals = options.Approvals;
        if (approvals.Retention < TimeSpan.Zero)
        {
            errors.Add("Gateway:Approvals:Retention must not be negative.");
        }

        if (approvals.ListWindow is < 1 or > 10_000)
        {
            errors.Add("Gateway:Approvals:ListWindow must be between 1 and 10000.");
        }

        if (approvals.MaxOpenPerAgent is < 1 or > MaxOpenPerAgentLimit)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Gateway:Approvals:MaxOpenPerAgent must be between 1 and {MaxOpenPerAgentLimit}."));
        }

        // Bounded so that a bare number (bound as days) or a typo cannot leave a request or a warrant open for months.
        if (approvals.MaxRequestTtl <= TimeSpan.Zero || approvals.MaxRequestTtl > MaxRequestTtlLimit)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Gateway:Approvals:MaxRequestTtl must be positive and at most 30 days, not {approvals.MaxRequestTtl:c}."));
        }

        // At least a second: a warrant's life is whole seconds, and a gate's warrant_ttl is bounded down to this one.
        if (approvals.MaxWarrantTtl < TimeSpan.FromSeconds(1) || approvals.MaxWarrantTtl > MaxWarrantTtlLimit)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Gateway:Approvals:MaxWarrantTtl must be positive and at most 7 days, and at least 1 second, not {approvals.MaxWarrantTtl:c}."));
        }

        var audit = options.Audit;
        if (audit.Sink is not (AuditOptions.FileSink or AuditOptions.StoreSink or AuditOptions.PostgresSink))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Gateway:Audit:Sink must be '{AuditOptions.FileSink}', '{AuditOptions.StoreSink}' or '{AuditOptions.PostgresSink}', not '{audit.Sink}'."));
        }

        if (audit.Sink == AuditOptions.FileSink && string.IsNullOrWhiteSpace(audit.Directory))
        {
            errors.Add("Gateway:Audit:Directory is required when the audit sink is 'file'.");
        }

        if (audit.BacklogCapacityPerTenant is < 1 or > AuditOptions.BacklogCapacity)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Gateway:Audit:BacklogCapacityPerTenant must be between 1 and {AuditOptions.BacklogCapacity}."));
        }

        if (audit.ReplicaId is not null && !AuditPartition.IsValidReplicaId(audit.ReplicaId))
        {
            errors.Add("Gateway:Audit:ReplicaId must be 1 to 63 lowercase letters, digits or '-', starting with a letter or digit.");
        }

        if (audit.GroupsInFlight is { } inFlight && inFlight is < 1 or > AuditOptions.MaxGroupsInFlight)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Gateway:Audit:GroupsInFlight must be between 1 and {AuditOptions.MaxGroupsInFlight} (was {inFlight})."));
        }

        if (audit.OutcomeLinger < TimeSpan.Zero || audit.OutcomeLinger > AuditOptions.MaxOutcomeLinger)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Gateway:Audit:OutcomeLinger must be between 0 and {AuditOptions.MaxOutcomeLinger.TotalMilliseconds} ms (was {audit.OutcomeLinger})."));
        }

        if (audit.ChainsPerReplica is { } chains && chains is < 1 or > AuditPartition.MaxChains)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Gateway:Audit:ChainsPerReplica must be between 1 and {AuditPartition.MaxChains} (was {chains})."));
        }

        if (audit.MaxAppendAttempts is < 1 or > 1000)
        {
            errors.Add("Gateway:Audit:MaxAppendAttempts must be between 1 and 1000.");
        }

        ValidateRetention(audit, storeRetiresLogs, errors);
        if (options.Runs.Retention < TimeSpan.FromHours(1) || options.Runs.Retention > TimeSpan.FromDays(366))
        {
            errors.Add("Gateway:Runs:Retention must be between 1 hour and 366 days.");
        }

        if (options.Runs.MaxEventBytes is < 1024 or > 1024 * 1024)
        {
            errors.Add("Gateway:Runs:MaxEventBytes must be between 1024 and 1048576.");
        }

        var incidents = options.Incidents;
        if (incidents.WebhookUrl is { } url)
        {
            if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
            {
                errors.Add("Gateway:Incidents:WebhookUrl must be an absolute http(s) URL.");
            }
            else if (url.Scheme == Uri.UriSchemeHttp && !url.IsLoopback)
            {
                errors.Add("Gateway:Incidents:WebhookUrl must use https unless it points at loopback.");
            }
        }

        CollectEvidence(options.Evidence, errors);
        if (options.Evidence.SignInFlight && (audit.Sink != AuditOptions.StoreSink || storeRetiresLogs))
        {
            // Elsewhere the batch's own call is a second fsync, or a second transaction, after the group's.
            errors.Add("Gateway:Evidence:SignInFlight needs the audit journal in Redis (Gateway:Audit:Sink=store on the Redis store).");
        }

        if (incidents.MaxAttempts is < 1 or > 100)
        {
            errors.Add("Gateway:Incidents:MaxAttempts must be between 1 and 100.");
        }

        if (incidents.InitialBackoff <= TimeSpan.Zero || incidents.MaxBackoff < incidents.InitialBackoff)
        {
            errors.Add("Gateway:Incidents:InitialBackoff must be positive and not above MaxBackoff.");
        }

        if (incidents.PollInterval <= TimeSpan.Zero)
        {
            errors.Add("Gateway:Incidents:PollInterval must be positive.");
        }

        if (incidents.AttemptTimeout <= TimeSpan.Zero)
        {
            errors.Add("Gateway:Incidents:AttemptTimeout must be positive.");
        }

        if (incidents.OutboxCapacity < 1)
        {
            errors.Add("Gateway:Incidents:OutboxCapacity must be at least 1.");
        }

        if (incidents.OutboxCapacityPerTenant < 1 || (incidents.OutboxCapacity >= 1 && incidents.OutboxCapacityPerTenant > incidents.OutboxCapacity))
        {
            errors.Add("Gateway:Incidents:OutboxCapacityPerTenant must be at least 1 and at most Gateway:Incidents:OutboxCapacity.");
        }

        if (incidents.NotificationWindow < TimeSpan.Zero || incidents.NotificationWindow > IncidentOptions.MaxNotificationWindow)
        {
            errors.Add("Gateway:Incidents:NotificationWindow must be between 00:00:00 and 24:00:00.");
        }

        var records = options.Records.Retention;
        if (records.MaxAge is { } maxAge && maxAge <= TimeSpan.Zero)
        {
            errors.Add("Gateway:Records:Retention:MaxAge must be positive.");
        }

        if (records.Interval < TimeSpan.FromSeconds(1))
        {
            errors.Add("Gateway:Records:Retention:Interval must be at least one second.");
        }

        return errors;
    }

    private static void ValidateRetention(AuditOptions audit, bool storeRetiresLogs, List<string> errors)
    {
        var retention = audit.Retention;
        if (retention.Interval < TimeSpan.FromSeconds(1))
        {
            errors.Add("Gateway:Audit:Retention:Interval must be at least one second.");
        }

        if (!retention.Enabled)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(retention.ExportDirectory))
        {
            errors.Add("Gateway:Audit:Retention:ExportDirectory is required when retention is on (records are exported before they are retired).");
        }

        if (audit.Sink is not (AuditOptions.PostgresSink or AuditOptions.FileSink) && !(audit.Sink == AuditOptions.StoreSink && storeRetiresLogs))
        {
            errors.Add($"Gateway:Audit:Retention needs the '{AuditOptions.PostgresSink}' or '{AuditOptions.FileSink}' audit sink, or '{AuditOptions.StoreSink}' on the embedded store; the '{audit.Sink}' sink here does not retire records.");
        }

        if (retention.MaxAge is { } age && age <= TimeSpan.Zero)
        {
            errors.Add("Gateway:Audit:Retention:MaxAge must be positive.");
        }

        foreach (var (tenant, tenantAge) in retention.Tenants)
        {
            if (!Identifiers.IsValidTenant(tenant))
            {
                errors.Add($"Gateway:Audit:Retention:Tenants: '{tenant}' is not a tenant slug.");
            }

            if (tenantAge <= TimeSpan.Zero)
            {
                errors.Add($"Gateway:Audit:Retention:Tenants:{tenant} must be positive.");
            }
        }
    }

    private static void CollectEvidence(EvidenceOptions evidence, List<string> errors)
    {
        if (evidence.CheckpointInterval < TimeSpan.FromSeconds(1) || evidence.CheckpointInterval > TimeSpan.FromHours(24))
        {
            errors.Add("Gateway:Evidence:CheckpointInterval must be between 1 second and 24 hours.");
        }

        if (evidence.WitnessUrl is { } url
            && (!url.IsAbsoluteUri || !(url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback))))
        {
            errors.Add("Gateway:Evidence:WitnessUrl must be an absolute https URL (http only to loopback).");
        }

        if (evidence.WitnessMaxAttempts is < 1 or > 100)
        {
            errors.Add("Gateway:Evidence:WitnessMaxAttempts must be between 1 and 100.");
        }

        if (evidence.WitnessInitialBackoff <= TimeSpan.Zero || evidence.WitnessTimeout <= TimeSpan.Zero)
        {
            errors.Add("Gateway:Evidence:WitnessInitialBackoff and WitnessTimeout must be positive.");
        }
    }
}
