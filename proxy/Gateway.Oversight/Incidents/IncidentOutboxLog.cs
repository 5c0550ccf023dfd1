using Microsoft.Extensions.Logging;

namespace Gateway.Oversight.Incidents;

/// <summary>Log messages of the in-process incident outbox.</summary>
internal static partial class IncidentOutboxLog
{
    [LoggerMessage(EventId = 4046, Level = LogLevel.Error, Message = "Incident {IncidentId} of tenant {Tenant} recorded, but its notification was dropped: the incident outbox is full ({Capacity}) or holds the tenant's share ({CapacityPerTenant})")]
    public static partial void OutboxFull(ILogger logger, string tenant, string incidentId, int capacity, int capacityPerTenant);
}
