using System.Collections.Frozen;
using Gateway.Authorization.Interactive;
using Gateway.Policy;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.People;
using Gateway.Store;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Console;

/// <summary>
/// The gateway as the authorization-code grant's host: the agents whose bundle entry accepts interactive clients (read
/// from the loaded bundle, indexed by client id once per snapshot, so a reload that drops a client or a person takes
/// effect at once), people's suspensions (<see cref="PersonSuspensions"/>), and the console page where a person signs in
/// and consents. A block whose
/// people sign in on the Development admin-token page (<see cref="InteractiveSignIn.DevelopmentAdminToken"/>) is served
/// only by a gateway in the Development environment: elsewhere it is as if absent (no client, no registration, no token).
/// </summary>
internal sealed class ConsoleInteractiveHost : IInteractiveHost
{
    private readonly PolicyProvider _policy;
    private readonly IStateStore _store;
    private readonly ConsoleOptions _options;
    private readonly bool _development;
    private volatile ClientIndex? _clients;

    public ConsoleInteractiveHost(PolicyProvider policy, IStateStore store, IOptions<ConsoleOptions> options, IHostEnvironment environment)
    {
        _policy = policy;
        _store = store;
        _options = options.Value;
        _development = environment.IsDevelopment();
    }

    /// <summary>The served agents that list <paramref name="clientId"/>, from the index of the policy in force (built once per snapshot).</summary>
    public IReadOnlyList<InteractiveAgent> FindByClient(string clientId)
    {
        if (_policy.Current?.Set is not { } set)
        {
            return [];
        }

        var index = _clients;
        if (index is null || !ReferenceEquals(index.Set, set))
        {
            // A new snapshot (the first, or a reload): indexed once; two requests racing here build the same index.
            _clients = index = new ClientIndex(set, Index(set));
        }

        return index.Agents.TryGetValue(clientId, out var found) ? found : [];
    }

    // Every served agent under each client id its block lists (the first client of that id, as InteractiveAccess.Client
    // answers), in the order of the tenants and their agents: what a scan of them for one client id finds, in its order.
    private FrozenDictionary<string, InteractiveAgent[]> Index(PolicySet set)
    {
        var agents = new Dictionary<string, List<InteractiveAgent>>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tenant in set.Tenants.Values)
        {
            foreach (var agent in tenant.Register.Agents)
            {
                if (Served(agent.Interactive) is not { } access)
                {
                    continue;
                }

                seen.Clear();
                foreach (var client in access.Clients)
                {
                    if (!seen.Add(client.ClientId))
                    {
                        continue;
                    }

                    if (!agents.TryGetValue(client.ClientId, out var listed))
                    {
                        agents[client.ClientId] = listed = [];
                    }

                    listed.Add(new InteractiveAgent(tenant.Slug, agent.Id, access, client));
                }
            }
        }

        return agents.ToFrozenDictionary(static p => p.Key, static p => p.Value.ToArray(), StringComparer.Ordinal);
    }

    public InteractiveAgent? Find(string tenant, string agent, string clientId) =>
        _policy.Current?.Set is { } set && set.TryGetTenant(tenant, out var policy) && policy!.TryGetAgent(agent, out var record)
        && Served(record!.Interactive) is { } interactive && (interactive.Client(clientId) ?? Registered(interactive, clientId)) is { } client
            ? new InteractiveAgent(tenant, agent, interactive, client)
            : null;

    public IReadOnlyList<InteractiveAgent> FindForRegisteredClient(string clientId) =>
        RegisteredClients.IsRegisteredId(clientId) && _policy.Current?.Set is { } set
            ? [.. set.Tenants.Values.SelectMany(t => t.Register.Agents
                .Where(a => Served(a.Interactive) is { DynamicRegistration: true })
                .Select(a => new InteractiveAgent(t.Slug, a.Id, a.Interactive!, Registered(a.Interactive!, clientId)!)))]
            : [];

    public bool AcceptsDynamicRegistration =>
        _policy.Current?.Set is { } set && set.Tenants.Values.Any(t => t.Register.Agents.Any(a => Served(a.Interactive) is { DynamicRegistration: true }));

    /// <summary>The block when this gateway serves its sign-in: one for the Development admin-token page only in Development.</summary>
    private InteractiveAccess? Served(InteractiveAccess? interactive) =>
        interactive is { SignIn: InteractiveSignIn.DevelopmentAdminToken } && !_development ? null : interactive;

    /// <summary>A client that registered itself, for a block that accepts such clients (its redirect URIs are the store's); else null.</summary>
    private static InteractiveClient? Registered(InteractiveAccess interactive, string clientId) =>
        interactive.DynamicRegistration && RegisteredClients.IsRegisteredId(clientId) ? new InteractiveClient(clientId, []) { Registered = true } : null;

    public bool AcceptsMetadataDocuments =>
        _policy.Current?.Set is { } set
        && set.Tenants.Values.Any(t => t.Register.Agents.Any(a => Served(a.Interactive)?.Clients.Any(c => c.IsMetadataDocument) == true));

    public bool SignsInAt(string tenant, string issuer) =>
        string.Equals(issuer, InteractiveAccess.AdminTokenIssuer, StringComparison.Ordinal)
            ? _development
            : ConsoleSignIn.IsProviderOf(_options, _policy, tenant, issuer);

    public ValueTask<bool> IsPersonSuspendedAsync(string tenant, string issuer, string subject, CancellationToken cancellationToken) =>
        PersonSuspensions.IsSuspendedAsync(_store, tenant, issuer, subject, cancellationToken);

    /// <summary>The tenant's consent page; for a request several tenants' agents accept (no tenant), the page that asks which tenant the person signs in to.</summary>
    public string ConsentPath(string tenant, string requestId) =>
        ConsoleEndpoints.Prefix + (tenant.Length == 0 ? string.Empty : "/" + Uri.EscapeDataString(tenant)) + "/authorize?request=" + Uri.EscapeDataString(requestId);

    /// <summary>The agents of one policy set by the client ids they list.</summary>
    private sealed record ClientIndex(PolicySet Set, FrozenDictionary<string, InteractiveAgent[]> Agents);
}
