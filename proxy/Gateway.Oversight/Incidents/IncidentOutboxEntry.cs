namespace Gateway.Oversight.Incidents;

/// <summary>A notification claimed from the outbox: the incident and the number of this attempt (1 for the first).</summary>
public sealed record IncidentOutboxEntry(Incident Incident, int Attempt);
