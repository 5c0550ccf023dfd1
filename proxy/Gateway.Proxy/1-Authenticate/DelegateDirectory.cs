using Gateway.Connectors.Vault;
using Gateway.Oversight.Delegations;
using Gateway.Policy;
using Gateway.Proxy.Security;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// Finds a delegated child for the signature check: its record live in the shared store (not expired, not revoked, no
/// ancestor revoked, its agent's delegation generation unchanged), it and its ancestors within the tenant's delegation
/// settings in force (<c>max_depth</c>, <c>max_ttl</c> from issue), in the workspace it was issued for, its registered agent
/// still in the policy in force and still accepting the secret or key that issued it (a child never outlives the end of its
/// issuer's rotation), and its secret opened from its envelope (or, for a child registered with a public key, that key,
/// named by the child's id). Asked only for an id of the child form
/// (<see cref="DelegationIds.IsDelegate"/>) that the bundle does not register: one store read before the signature is
/// proven, a read only (nothing is written for unauthenticated traffic). A store failure throws (the caller answers 503).
/// </summary>
internal sealed class DelegateDirectory : IDelegatedChildLiveness
{
    private readonly DelegationStore _delegations;
    private readonly IAgentDirectory _agents;
    private readonly EncryptionKeyRing _keys;

    public DelegateDirectory(DelegationStore delegations, IAgentDirectory agents, EncryptionKeyRing keys)
    {
        _delegations = delegations;
        _agents = agents;
        _keys = keys;
    }

    /// <summary>
    /// The child's lookup and grant; <c>IssuerRetired</c> true when its registered agent no longer accepts the secret or key
    /// that issued it: the lookup still holds the child's own secret or key, and the caller refuses it as a retired secret
    /// only once its signature verifies (before, it would tell whoever knows the id where the child stands).
    /// </summary>
    public async ValueTask<(AgentLookup Lookup, DelegatedAgent? Delegate, bool IssuerRetired)> FindAsync(string tenant, string workspace, string child, CancellationToken cancellationToken)
    {
        // The tenant's delegation settings as they are now bind the children already issued: one deeper than max_depth now
        // allows (any, at 0), or older than max_ttl now allows, is refused as an expired one is.
        var settings = _agents.DelegationOf(tenant);
        if (await _delegations.FindLiveAsync(tenant, child, settings, cancellationToken).ConfigureAwait(false) is not { } record
            || !string.Equals(record.Workspace, workspace, StringComparison.Ordinal))
        {
            return (AgentLookup.Unknown(AgentLookupStatus.UnknownAgent), null, false);
        }

        var agent = _agents.Find(tenant, workspace, record.Agent);
        if (agent.Status != AgentLookupStatus.Found)
        {
            // Its agent left the register (or no policy is loaded): the child goes with it.
            return (AgentLookup.Unknown(agent.Status == AgentLookupStatus.SecretUnavailable ? AgentLookupStatus.SecretUnavailable : AgentLookupStatus.UnknownAgent), null, false);
        }

        if (settings is null)
        {
            // No policy named the tenant when its settings were read (a reload in between): not checked, so not found.
            return (AgentLookup.Unknown(AgentLookupStatus.UnknownAgent), null, false);
        }

        // The secret or key that issued it is no longer one its agent signs with (its rotation ended, or the bundle dropped
        // it): the child goes with it, as a request signed with it would. Its own secret or key (sealed under the gateway's
        // keys, not its issuer's) still opens, so that its signature is checked before it is told so.
        var issuerRetired = record.IssuerSecretFingerprint is { } issuer && !Accepts(agent, issuer);
        if (record.PublicKey is { } publicKey)
        {
            return KeyOf(record, publicKey) is { } key
                ? (AgentLookup.Found(key, next: null), new DelegatedAgent(record, record.Scope()), issuerRetired)
                : (AgentLookup.Unknown(AgentLookupStatus.SecretUnresolved), null, issuerRetired);
        }

        return DelegationSecrets.Open(_keys, record) is { } secret
            ? (AgentLookup.Found(new AgentSecret(secret)), new DelegatedAgent(record, record.Scope()), issuerRetired)
            : (AgentLookup.Unknown(AgentLookupStatus.SecretUnresolved), null, issuerRetired);
    }

    /// <summary>True while <see cref="FindAsync"/> would let the child in (a resource subscription's updates reach it only then).</summary>
    public async ValueTask<bool> IsLiveAsync(string tenant, string workspace, string child, CancellationToken cancellationToken) =>
        (await FindAsync(tenant, workspace, child, cancellationToken).ConfigureAwait(false)) is { Delegate: not null, IssuerRetired: false };

    /// <summary>True when <paramref name="fingerprint"/> names a secret or key <paramref name="lookup"/> accepts now (either one during a rotation's window).</summary>
    public static bool Accepts(AgentLookup lookup, string fingerprint) =>
        string.Equals(fingerprint, lookup.Secret?.Fingerprint, StringComparison.Ordinal)
        || string.Equals(fingerprint, lookup.Next?.Fingerprint, StringComparison.Ordinal)
        || string.Equals(fingerprint, lookup.Key?.Fingerprint, StringComparison.Ordinal)
        || string.Equals(fingerprint, lookup.NextKey?.Fingerprint, StringComparison.Ordinal);

    /// <summary>A key child's key, its <c>keyid</c> the child's id; null when the stored key is no key of its algorithm (refused like an unresolved secret).</summary>
    private static AgentKey? KeyOf(DelegationRecord record, DelegatedPublicKey publicKey)
    {
        var spki = new byte[publicKey.Key.Length];
        if (!Convert.TryFromBase64String(publicKey.Key, spki, out var written))
        {
            return null;
        }

        try
        {
            return new AgentKey(new AgentPublicKey(publicKey.Algorithm, record.Id, spki[..written]));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
