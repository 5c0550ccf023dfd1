using Gateway.Audit;
using Gateway.Oversight.Tokens;
using Gateway.Store;
using Microsoft.Extensions.Logging;

namespace Gateway.Oversight.Agents;

/// <summary>
/// Kill switches kept in the shared store, so every replica sees a change on its next request (no
/// cache). Each switch is its own key under <c>StoreKeys.AgentStatus</c> (suffix <c>:suspended</c>,
/// <c>:secret-revoked</c>) so that two operators flipping different switches never lose one; a tenant's
/// suspension is the key <c>StoreKeys.TenantStatus</c> + <c>:suspended</c>. Turning a switch on also revokes
/// the decision tokens it covers (<see cref="TokenGenerations"/>): the agent's, or every one of the tenant.
/// </summary>
public sealed class AgentStatusService
{
    private const string SuspendedSuffix = ":suspended";
    private const string SecretRevokedSuffix = ":secret-revoked";
    private const string SecretRetiredSuffix = ":secret-retired:";

    private readonly IStateStore _store;
    private readonly TokenGenerations _tokens;
    private readonly TimeProvider _time;
    private readonly ILogger<AgentStatusService> _logger;

    public AgentStatusService(IStateStore store, TokenGenerations tokens, TimeProvider time, ILogger<AgentStatusService> logger)
    {
        _store = store;
        _tokens = tokens;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// The agent's switches; the host calls this on every agent request (after signature checks):
    /// secret revoked → 401; suspended → block. Store failure throws (the host fails closed, 503).
    /// </summary>
    /// <summary>
    /// Raised after a kill switch or a suspension was flipped through this process, with the tenant and the agent (null
    /// for the tenant's own switch): what listens to it (the MCP sessions told their tools changed) acts at once here;
    /// other replicas read the switch on each request.
    /// </summary>
    public event Action<string, string?>? Switched;

    public async ValueTask<AgentStatus> GetAsync(string tenant, string agent, CancellationToken cancellationToken = default)
    {
        var suspended = _store.GetAsync(SuspendedKey(tenant, agent), cancellationToken);
        var revoked = _store.GetAsync(SecretRevokedKey(tenant, agent), cancellationToken);
        var isSuspended = await suspended is not null;
        var isRevoked = await revoked is not null;
        return new AgentStatus(isSuspended, isRevoked);
    }

    /// <summary>Which of <paramref name="fingerprints"/> (the agent's secrets or keys) an operator retired. Store failure throws.</summary>
    public async ValueTask<IReadOnlySet<string>> RetiredAsync(string tenant, string agent, IReadOnlyList<string> fingerprints, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fingerprints);
        if (fingerprints.Count == 0)
        {
            return new HashSet<string>();
        }

        var values = await _store.GetManyAsync([.. fingerprints.Select(f => SecretRetiredKey(tenant, agent, f))], cancellationToken);
        return fingerprints.Where((_, i) => values[i] is not null).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The key whose existence means "suspended" (read by the host's admission in its one store step).</summary>
    public static string SuspendedKey(string tenant, string agent) => StoreKeys.AgentStatus(tenant, agent) + SuspendedSuffix;

    /// <summary>The key whose existence means "every agent of the tenant suspended" (read by the admission as a switch).</summary>
    public static string TenantSuspendedKey(string tenant) => StoreKeys.TenantStatus(tenant) + SuspendedSuffix;

    /// <summary>Whether the tenant is suspended. Store failure throws (fail closed).</summary>
    public async ValueTask<bool> IsTenantSuspendedAsync(string tenant, CancellationToken cancellationToken = default) =>
        await _store.GetAsync(TenantSuspendedKey(tenant), cancellationToken) is not null;

    /// <summary>Suspends every agent of the tenant (each request blocked) and revokes every decision token of the tenant.</summary>
    public async ValueTask SuspendTenantAsync(string tenant, string actor, CancellationToken cancellationToken = default)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        await _store.SetAsync(TenantSuspendedKey(tenant), SwitchValue(actor), null, cancellationToken);
        await _tokens.RevokeTenantAsync(tenant, "tenant_suspended", cancellationToken);
        OversightLog.TenantSwitch(_logger, tenant, "suspended", true, actor);
        Switched?.Invoke(tenant, null);
    }

    /// <summary>Lifts the tenant's suspension (its revoked tokens stay revoked).</summary>
    public async ValueTask ResumeTenantAsync(string tenant, string actor, CancellationToken cancellationToken = default)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        await _store.DeleteAsync(TenantSuspendedKey(tenant), cancellationToken);
        OversightLog.TenantSwitch(_logger, tenant, "suspended", false, actor);
        Switched?.Invoke(tenant, null);
    }

    /// <summary>The key whose existence means "runtime secret revoked".</summary>
    public static string SecretRevokedKey(string tenant, string agent) => StoreKeys.AgentStatus(tenant, agent) + SecretRevokedSuffix;

    /// <summary>The index, in <see cref="SwitchKeys"/>, of the agent's suspension.</summary>
    public const int SuspendedSwitch = 0;

    /// <summary>The index, in <see cref="SwitchKeys"/>, of the revocation of the agent's runtime secret.</summary>
    public const int SecretRevokedSwitch = 1;

    /// <summary>The index, in <see cref="SwitchKeys"/>, of the tenant's suspension.</summary>
    public const int TenantSuspendedSwitch = 2;

    /// <summary>The index, in <see cref="SwitchKeys"/>, of the retirement of the secret that signed (only when it is known).</summary>
    public const int SecretRetiredSwitch = 3;

    /// <summary>
    /// The kill switches a request of <paramref name="agent"/> is checked against, read together in one store call, at
    /// the indexes above: the retired-secret switch only for a request whose signing secret is known
    /// (<paramref name="secretFingerprint"/>).
    /// </summary>
    public static string[] SwitchKeys(string tenant, string agent, string? secretFingerprint)
    {
        var keys = new string[secretFingerprint is null ? SecretRetiredSwitch : SecretRetiredSwitch + 1];
        keys[SuspendedSwitch] = SuspendedKey(tenant, agent);
        keys[SecretRevokedSwitch] = SecretRevokedKey(tenant, agent);
        keys[TenantSuspendedSwitch] = TenantSuspendedKey(tenant);
        if (secretFingerprint is not null)
        {
            keys[SecretRetiredSwitch] = SecretRetiredKey(tenant, agent, secretFingerprint);
        }

        return keys;
    }

    /// <summary>The index, in <see cref="DelegateSwitchKeys"/>, of the suspension of the child's registered agent.</summary>
    public const int AgentSuspendedSwitch = SecretRetiredSwitch + 1;

    /// <summary>The index, in <see cref="DelegateSwitchKeys"/>, of the revocation of the registered agent's secret.</summary>
    public const int AgentSecretRevokedSwitch = SecretRetiredSwitch + 2;

    /// <summary>The index, in <see cref="DelegateSwitchKeys"/>, of the retirement of the agent's secret that issued the child (when known).</summary>
    public const int IssuerSecretRetiredSwitch = SecretRetiredSwitch + 3;

    /// <summary>
    /// The kill switches a delegated child's request is checked against, in one store call: its own (at the indexes of
    /// <see cref="SwitchKeys"/>), then its registered agent's suspension and secret revocation, and the retirement of the
    /// agent's secret that signed the delegation (when the agent issued it): a child never outlives what stops its agent.
    /// </summary>
    public static string[] DelegateSwitchKeys(string tenant, string child, string secretFingerprint, string agent, string? issuerFingerprint)
    {
        var keys = new string[issuerFingerprint is null ? IssuerSecretRetiredSwitch : IssuerSecretRetiredSwitch + 1];
        SwitchKeys(tenant, child, secretFingerprint).CopyTo(keys, 0);
        keys[AgentSuspendedSwitch] = SuspendedKey(tenant, agent);
        keys[AgentSecretRevokedSwitch] = SecretRevokedKey(tenant, agent);
        if (issuerFingerprint is not null)
        {
            keys[IssuerSecretRetiredSwitch] = SecretRetiredKey(tenant, agent, issuerFingerprint);
        }

        return keys;
    }

    /// <summary>
    /// The kill switches that stop <paramref name="caller"/>, read together in one store call: a delegated child's (its
    /// fingerprint known) at the indexes of <see cref="DelegateSwitchKeys"/>, anyone else's at those of <see cref="SwitchKeys"/>.
    /// </summary>
    public static string[] CallerSwitchKeys(KillSwitchCaller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.RegisteredAgent is { } agent && caller.SecretFingerprint is { } fingerprint
            ? DelegateSwitchKeys(caller.Tenant, caller.Agent, fingerprint, agent, caller.IssuerSecretFingerprint)
            : SwitchKeys(caller.Tenant, caller.Agent, caller.SecretFingerprint);
    }

    /// <summary>
    /// The one reading of a caller's kill switches, <paramref name="switchesOn"/> with bit <c>i</c> set when the switch at
    /// index <c>i</c> of the keys read (<see cref="CallerSwitchKeys"/>) is on: a revoked secret first, then a retired one, then
    /// a suspension; a delegated child (<paramref name="delegated"/>) is stopped by what stops its registered agent too. The
    /// Admit stage reads its admission's switches with it, and the MCP session's paths theirs (<see cref="IsStoppedAsync"/>).
    /// </summary>
    public static KillSwitchStop StopOf(uint switchesOn, bool delegated)
    {
        bool On(int index) => (switchesOn & (1u << index)) != 0;
        if (On(SecretRevokedSwitch) || (delegated && On(AgentSecretRevokedSwitch)))
        {
            return KillSwitchStop.SecretRevoked;
        }

        if (On(SecretRetiredSwitch) || (delegated && On(IssuerSecretRetiredSwitch)))
        {
            return KillSwitchStop.SecretRetired;
        }

        return On(SuspendedSwitch) || On(TenantSuspendedSwitch) || (delegated && On(AgentSuspendedSwitch))
            ? KillSwitchStop.Suspended
            : KillSwitchStop.None;
    }

    /// <summary>
    /// What stops <paramref name="caller"/>, from <paramref name="values"/> read from the store: the first
    /// <paramref name="switchCount"/> are its switch keys' (<see cref="CallerSwitchKeys"/>), in order, the rest whatever
    /// else the same store call read.
    /// </summary>
    public static KillSwitchStop StopOf(KillSwitchCaller caller, IReadOnlyList<string?> values, int switchCount)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(values);
        var on = 0u;
        for (var i = 0; i < switchCount; i++)
        {
            on |= values[i] is null ? 0u : 1u << i;
        }

        return StopOf(on, caller.RegisteredAgent is not null);
    }

    /// <summary>What stops <paramref name="caller"/> now, read from the store in one call (<see cref="StopOf(KillSwitchCaller, IReadOnlyList{string?}, int)"/>). Store failure throws (fail closed).</summary>
    public async ValueTask<KillSwitchStop> StopOfAsync(KillSwitchCaller caller, CancellationToken cancellationToken = default)
    {
        var values = await _store.GetManyAsync(CallerSwitchKeys(caller), cancellationToken);
        return StopOf(caller, values, values.Count);
    }

    /// <summary>Whether a kill switch stops <paramref name="caller"/> now (<see cref="StopOfAsync"/>). Store failure throws (fail closed).</summary>
    public async ValueTask<bool> IsStoppedAsync(KillSwitchCaller caller, CancellationToken cancellationToken = default) =>
        await StopOfAsync(caller, cancellationToken) != KillSwitchStop.None;

    /// <summary>
    /// The key whose existence means "the secret with this fingerprint is retired": a request it signs is refused
    /// (401), whichever slot the bundle now gives it, while the agent's other secret goes on working.
    /// </summary>
    public static string SecretRetiredKey(string tenant, string agent, string fingerprint) =>
        StoreKeys.AgentStatus(tenant, agent) + SecretRetiredSuffix + fingerprint;

    /// <summary>
    /// Retires one of the agent's secrets, named by its fingerprint (never the secret): every replica refuses it from its
    /// next request. The agent's decision tokens stay valid: the agent is not stopped, it only signs with its next secret.
    /// </summary>
    public async ValueTask RetireSecretAsync(string tenant, string agent, string fingerprint, string actor, CancellationToken cancellationToken = default)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        Identifiers.ThrowIfInvalidAgent(agent);
        if (fingerprint.Length != 32 || !fingerprint.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException("A secret's fingerprint is 32 lowercase hex digits.", nameof(fingerprint));
        }

        await _store.SetAsync(SecretRetiredKey(tenant, agent, fingerprint), SwitchValue(actor), null, cancellationToken);
        OversightLog.AgentSwitch(_logger, tenant, agent, "secret-retired", true, actor);
        Switched?.Invoke(tenant, agent);
    }

    public ValueTask SuspendAsync(string tenant, string agent, string actor, CancellationToken cancellationToken = default) =>
        SetAsync(tenant, agent, SuspendedSuffix, on: true, actor, cancellationToken);

    public ValueTask ResumeAsync(string tenant, string agent, string actor, CancellationToken cancellationToken = default) =>
        SetAsync(tenant, agent, SuspendedSuffix, on: false, actor, cancellationToken);

    public ValueTask RevokeSecretAsync(string tenant, string agent, string actor, CancellationToken cancellationToken = default) =>
        SetAsync(tenant, agent, SecretRevokedSuffix, on: true, actor, cancellationToken);

    public ValueTask RestoreSecretAsync(string tenant, string agent, string actor, CancellationToken cancellationToken = default) =>
        SetAsync(tenant, agent, SecretRevokedSuffix, on: false, actor, cancellationToken);

    private async ValueTask SetAsync(string tenant, string agent, string suffix, bool on, string actor, CancellationToken cancellationToken)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        Identifiers.ThrowIfInvalidAgent(agent);
        var key = StoreKeys.AgentStatus(tenant, agent) + suffix;
        if (on)
        {
            await _store.SetAsync(key, SwitchValue(actor), null, cancellationToken);

            // Set first, then revoked: a token issued between the two was issued under the old generation and is
            // revoked with the rest; a request admitted after the switch is refused by it.
            await _tokens.RevokeAgentAsync(tenant, agent, suffix.TrimStart(':'), cancellationToken);
        }
        else
        {
            await _store.DeleteAsync(key, cancellationToken);
        }

        OversightLog.AgentSwitch(_logger, tenant, agent, suffix.TrimStart(':'), on, actor);
        Switched?.Invoke(tenant, agent);
    }

    private string SwitchValue(string actor) => actor + "@" + _time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture);
}
