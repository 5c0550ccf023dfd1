using Gateway.Authorization.Interactive;
using Gateway.Policy;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.People;
using Gateway.Store;

namespace Gateway.Proxy.Console;

/// <summary>
/// The gateway as the authorization-code grant's host: the agents whose bundle entry accepts interactive clients (read
/// from the loaded bundle each time, so a reload that drops a client or a person takes effect at once), people's
/// suspensions (<see cref="PersonSuspensions"/>), and the console page where a person signs in and consents.
/// </summary>
internal sealed class ConsoleInteractiveHost : IInteractiveHost
{
    private readonly PolicyProvider _policy;
    private readonly IStateStore _store;

    public ConsoleInteractiveHost(PolicyProvider policy, IStateStore store)
    {
        _policy = policy;
        _store = store;
    }

    public IReadOnlyList<InteractiveAgent> FindByClient(string clientId)
    {
        var found = new List<InteractiveAgent>();
        if (_policy.Current?.Set is not { } set)
        {
            return found;
        }

        foreach (var tenant in set.Tenants.Values)
        {
            foreach (var agent in tenant.Register.Agents)
            {
                if (agent.Interactive?.Client(clientId) is { } client)
                {
                    found.Add(new InteractiveAgent(tenant.Slug, agent.Id, agent.Interactive, client));
                }
            }
        }

        return found;
    }

    public InteractiveAgent? Find(string tenant, string agent, string clientId) =>
        _policy.Current?.Set is { } set && set.TryGetTenant(tenant, out var policy) && policy!.TryGetAgent(agent, out var record)
        && record!.Interactive is { } interactive && (interactive.Client(clientId) ?? Registered(interactive, clientId)) is { } client
            ? new InteractiveAgent(tenant, agent, interactive, client)
            : null;

    public IReadOnlyList<InteractiveAgent> FindForRegisteredClient(string clientId) =>
        _policy.Current?.Set is { } set
            ? [.. set.Tenants.Values.SelectMany(t => t.Register.Agents
                .Where(a => a.Interactive is { DynamicRegistration: true })
                .Select(a => new InteractiveAgent(t.Slug, a.Id, a.Interactive!, Registered(a.Interactive!, clientId)!)))]
            : [];

    public bool AcceptsDynamicRegistration =>
        _policy.Current?.Set is { } set && set.Tenants.Values.Any(t => t.Register.Agents.Any(a => a.Interactive is { DynamicRegistration: true }));

    /// <summary>A client that registered itself, for a block that accepts such clients (its redirect URIs are the store's); else null.</summary>
    private static InteractiveClient? Registered(InteractiveAccess interactive, string clientId) =>
        interactive.DynamicRegistration && RegisteredClients.IsRegisteredId(clientId) ? new InteractiveClient(clientId, []) { Registered = true } : null;

    public bool AcceptsMetadataDocuments =>
        _policy.Current?.Set is { } set
        && set.Tenants.Values.Any(t => t.Register.Agents.Any(a => a.Interactive?.Clients.Any(c => c.IsMetadataDocument) == true));

    public ValueTask<bool> IsPersonSuspendedAsync(string tenant, string subject, CancellationToken cancellationToken) =>
        PersonSuspensions.IsSuspendedAsync(_store, tenant, subject, cancellationToken);

    public string ConsentPath(string tenant, string requestId) =>
        ConsoleEndpoints.Prefix + "/" + Uri.EscapeDataString(tenant) + "/authorize?request=" + Uri.EscapeDataString(requestId);
}
