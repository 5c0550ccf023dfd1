namespace Gateway.Oversight.Incidents;

/// <summary>The webhook body: <c>{"type":"incident.opened","incident":{...}}</c>.</summary>
public sealed record IncidentNotification
{
    /// <summary>The one event type sent today.</summary>
    public const string OpenedType = "incident.opened";

    public required string Type { get; init; }

    public required Incident Incident { get; init; }
}
