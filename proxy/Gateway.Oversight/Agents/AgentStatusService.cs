using Gateway.Store;
using Microsoft.Extensions.Logging;

namespace Gateway.Oversight.Agents;

/// <summary>
/// Kill switches kept in the shared store, so every replica sees a change on its next request (no
/// cache). Each switch is its own key under <c>StoreKeys.AgentStatus</c> (suffix <c>:suspended</c>,
/// <c>:secret-revoked</c>) so that two operators flipping different switches never lose one.
/// </summary>
public sealed class AgentStatusService
{
    private const string SuspendedSuffix = ":suspended";
    private const string SecretRevokedSuffix = ":secret-revoked";

    private readonly IStateStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<AgentStatusService> _logger;

    public AgentStatusService(IStateStore store, TimeProvider time, ILogger<AgentStatusService> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// The agent's switches; the host calls this on every agent request (after signature checks):
    /// secret revoked → 401; suspended → block. Store failure throws (the host fails closed, 503).
    /// </summary>
    public async ValueTask<AgentStatus> GetAsync(string tenant, string agent, CancellationToken cancellationToken = default)
    {
        var suspended = _store.GetAsync(SuspendedKey(tenant, agent), cancellationToken);
        var revoked = _store.GetAsync(SecretRevokedKey(tenant, agent), cancellationToken);
        var isSuspended = await suspended is not null;
        var isRevoked = await revoked is not null;
        return new AgentStatus(isSuspended, isRevoked);
    }

    /// <summary>The key whose existence means "suspended" (read by the host's admission in its one store step).</summary>
    public static string SuspendedKey(string tenant, string agent) => StoreKeys.AgentStatus(tenant, agent) + SuspendedSuffix;

    /// <summary>The key whose existence means "runtime secret revoked".</summary>
    public static string SecretRevokedKey(string tenant, string agent) => StoreKeys.AgentStatus(tenant, agent) + SecretRevokedSuffix;

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
            var value = actor + "@" + _time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            await _store.SetAsync(key, value, null, cancellationToken);
        }
        else
        {
            await _store.DeleteAsync(key, cancellationToken);
        }

        OversightLog.AgentSwitch(_logger, tenant, agent, suffix.TrimStart(':'), on, actor);
    }
}
