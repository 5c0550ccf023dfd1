using Gateway.Connectors.Kinds;
using Gateway.Policy;

namespace Gateway.Proxy.Describe;

/// <summary>
/// What a route asks of the entry it is decided on before it is carried out (<see cref="DescribedAction.EntryMismatch"/>):
/// each returns the reason the entry cannot be carried out on that route, or null. Every one asks that a connector with
/// its own upstream has one.
/// </summary>
internal static class EntryRequirements
{
    /// <summary>Any entry with its upstream (a writeback: the store's acceptance is checked when it is described).</summary>
    public static readonly Func<CatalogEntry, string?> Upstream = static entry => NoUpstream(entry);

    /// <summary>An entry an agent may invoke as a tool (<see cref="ConnectorType.NotInvocableReason"/>).</summary>
    public static readonly Func<CatalogEntry, string?> Invocable = static entry => entry.Type().NotInvocableReason(entry) ?? NoUpstream(entry);

    /// <summary>A model connector.</summary>
    public static readonly Func<CatalogEntry, string?> Model = static entry =>
        !entry.Type().IsModel ? $"'{entry.Name}' is not a model connector; use /v1/actions/invoke-tool." : NoUpstream(entry);

    /// <summary>A context scope.</summary>
    public static readonly Func<CatalogEntry, string?> ContextScope = static entry =>
        !entry.Type().IsContextScope ? $"'{entry.Name}' is not a context scope." : NoUpstream(entry);

    private static string? NoUpstream(CatalogEntry entry) =>
        entry.Upstream is null && entry.Type().HasOwnUpstream ? $"connector '{entry.Name}' has no upstream." : null;
}
