using System.Text.Json;

namespace Gateway.Audit;

/// <summary>
/// What happened to a run, on the run's own records (<see cref="AuditEntry.RunEvent"/>): it started
/// (<c>created</c>, with its framework, purpose and parent in <see cref="Detail"/>), one of its agent's lifecycle events
/// (<c>started</c>, <c>step</c>, <c>completed</c>, <c>failed</c>, <c>cancelled</c>, with the agent's name and detail), or
/// an operator cancelled it.
/// </summary>
public sealed record AuditRunEvent
{
    /// <summary><c>created</c>, or the event's type.</summary>
    public required string Type { get; init; }

    /// <summary>The event's name, as the agent gave it (a step's name, say).</summary>
    public string? Name { get; init; }

    /// <summary>The event's detail: a JSON object, as the agent sent it (bounded in size), canonicalised into the record.</summary>
    public JsonElement? Detail { get; init; }

    /// <summary>Who ended the run with this event, when it ended it: <c>agent:&lt;id&gt;</c> or <c>admin:&lt;token name&gt;</c>.</summary>
    public string? By { get; init; }
}
