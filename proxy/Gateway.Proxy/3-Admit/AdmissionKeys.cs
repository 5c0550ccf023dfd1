using System.Collections.Concurrent;
using Gateway.Oversight.Agents;
using Gateway.Oversight.Tokens;
using Gateway.Policy;
using Gateway.Store;

namespace Gateway.Proxy.Admit;

/// <summary>
/// The store keys of an admission that are the same for every request of one agent, tool and signing secret under one
/// tenant policy: its rate-limit windows (with their scopes), its kill switches and its token generations. Made once
/// and reused (about a dozen strings fewer per request); a new policy (a bundle reload) is a new key. Bounded: past
/// <see cref="MaxEntries"/> the memory starts again empty. Not for delegated agents (their keys name the delegation).
/// Safe for concurrent use; what it hands out is never changed.
/// </summary>
internal sealed class AdmissionKeys
{
    /// <summary>The most key sets kept.</summary>
    public const int MaxEntries = 4096;

    private readonly ConcurrentDictionary<Key, KeySet> _sets = new();

    /// <summary>
    /// The name every tool the catalog does not hold is counted under by a limit on every tool: one key, however many names
    /// an agent makes up (the call is refused as an unknown tool, and still counted).
    /// </summary>
    public const string UnknownTool = "?";

    /// <summary>The key set of <paramref name="agent"/> calling <paramref name="tool"/> under <paramref name="tenant"/>.</summary>
    public KeySet For(TenantPolicy tenant, string tenantId, string agent, string tool, string? secretFingerprint)
    {
        if (!tenant.TryGetCatalogEntry(tool, out _))
        {
            // A name the catalog does not hold is not kept: an agent makes up as many as it likes.
            return Make(tenant, tenantId, agent, tool, secretFingerprint);
        }

        var key = new Key(tenant, tenantId, agent, tool, secretFingerprint);
        if (_sets.TryGetValue(key, out var known))
        {
            return known;
        }

        var made = Make(tenant, tenantId, agent, tool, secretFingerprint);
        if (_sets.Count >= MaxEntries)
        {
            _sets.Clear();
        }

        return _sets.GetOrAdd(key, made);
    }

    /// <summary>
    /// The windows (and each one's scope) of the bundle's rate limits that apply to <paramref name="agent"/> calling
    /// <paramref name="tool"/>, one per store key.
    /// </summary>
    public static (List<RateLimitWindow> Windows, List<string> Scopes) Windows(TenantPolicy tenant, string tenantId, string agent, string tool)
    {
        var counted = CountedAs(tenant, tool);
        var windows = new List<RateLimitWindow>();
        var scopes = new List<string>();
        foreach (var limit in tenant.RateLimitsFor(agent, tool))
        {
            var (scope, key) = limit.Scope switch
            {
                RateLimitScope.Tenant => ("tenant", "tenant"),
                RateLimitScope.Agent => ("agent", "agent:" + agent),
                // The agent's id length-prefixed: an id may hold ':' (team, team:ci), a tool name too.
                _ => ("tool", "tool:" + (limit.Agent is null ? "*" : StoreKeys.LengthPrefixed(agent)) + ":" + (limit.Tool ?? counted)),
            };
            var window = new RateLimitWindow(StoreKeys.RateLimit(tenantId, key + ":" + (long)limit.Window.TotalMilliseconds + ":" + limit.Limit), limit.Limit, limit.Window);
            // Two limits that name one counter (a general limit and one naming this agent, with the same numbers) are one
            // window: the key holds the window and the limit, so nothing is lost, and the request is counted there once.
            if (!HasKey(windows, window.Key))
            {
                windows.Add(window);
                scopes.Add(scope);
            }
        }

        return (windows, scopes);
    }

    private static bool HasKey(List<RateLimitWindow> windows, string key)
    {
        foreach (var window in windows)
        {
            if (string.Equals(window.Key, key, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    // The tool as its rate limits count it: its catalog name, or UnknownTool.
    private static string CountedAs(TenantPolicy tenant, string tool) => tenant.TryGetCatalogEntry(tool, out _) ? tool : UnknownTool;

    private static KeySet Make(TenantPolicy tenant, string tenantId, string agent, string tool, string? secretFingerprint)
    {
        var (windows, scopes) = Windows(tenant, tenantId, agent, tool);
        return new KeySet(
            windows.ToArray(),
            scopes.ToArray(),
            AgentStatusService.SwitchKeys(tenantId, agent, secretFingerprint),
            TokenGenerations.KeysOf(tenantId, agent));
    }

    /// <summary>One agent's keys for one tool: never changed once made.</summary>
    public sealed record KeySet(RateLimitWindow[] Windows, string[] Scopes, string[] SwitchKeys, IReadOnlyList<string> GenerationKeys);

    // The policy by reference: a reloaded bundle is another policy, whose limits may differ.
    private readonly struct Key(TenantPolicy tenant, string tenantId, string agent, string tool, string? secretFingerprint) : IEquatable<Key>
    {
        private readonly TenantPolicy _tenant = tenant;
        private readonly string _tenantId = tenantId;
        private readonly string _agent = agent;
        private readonly string _tool = tool;
        private readonly string? _secretFingerprint = secretFingerprint;

        public bool Equals(Key other) =>
            ReferenceEquals(_tenant, other._tenant)
            && string.Equals(_tenantId, other._tenantId, StringComparison.Ordinal)
            && string.Equals(_agent, other._agent, StringComparison.Ordinal)
            && string.Equals(_tool, other._tool, StringComparison.Ordinal)
            && string.Equals(_secretFingerprint, other._secretFingerprint, StringComparison.Ordinal);

        public override bool Equals(object? obj) => obj is Key other && Equals(other);

        public override int GetHashCode() =>
            HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(_tenant), StringComparer.Ordinal.GetHashCode(_tenantId),
                StringComparer.Ordinal.GetHashCode(_agent), StringComparer.Ordinal.GetHashCode(_tool), _secretFingerprint is null ? 0 : StringComparer.Ordinal.GetHashCode(_secretFingerprint));
    }
}
