using System.Text.Json;
using Gateway.Store;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// What the state store keeps of an MCP session: its agent, the person it acts for (none: <see cref="PersonIssuer"/> and
/// <see cref="PersonSubject"/> null, as in a record written before sessions were bound to their person) and the client's
/// initialize parameters.
/// </summary>
internal sealed record SessionRecord(string Agent, JsonElement Initialize)
{
    /// <summary>The issuer of the person the session acts for; null for none.</summary>
    public string? PersonIssuer { get; init; }

    /// <summary>The subject of the person the session acts for; null for none.</summary>
    public string? PersonSubject { get; init; }

    /// <summary>The session <paramref name="sessionId"/> of <paramref name="agent"/> of <paramref name="tenant"/>; null when unknown, expired or another agent's.</summary>
    public static async ValueTask<SessionRecord?> FindAsync(IStateStore store, string tenant, string agent, string sessionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var stored = await store.GetAsync(StoreKeys.McpSession(tenant, sessionId), cancellationToken).ConfigureAwait(false);
        return Of(stored, agent);
    }

    /// <summary>The session record <paramref name="stored"/> holds when it is <paramref name="agent"/>'s, else null.</summary>
    public static SessionRecord? Of(string? stored, string agent) =>
        stored is not null && JsonSerializer.Deserialize(stored, McpSessionJsonContext.Default.SessionRecord) is { } record
            && string.Equals(record.Agent, agent, StringComparison.Ordinal)
                ? record
                : null;

    /// <summary>
    /// Stores (or renews) the record of the session <paramref name="sessionId"/> of <paramref name="tenant"/> for <paramref name="lifetime"/>.
    /// </summary>
    public ValueTask StoreAsync(IStateStore store, string tenant, string sessionId, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.SetAsync(StoreKeys.McpSession(tenant, sessionId), JsonSerializer.Serialize(this, McpSessionJsonContext.Default.SessionRecord), lifetime, cancellationToken);
    }
}
