using System.Globalization;
using Gateway.Store;
using Microsoft.Extensions.Logging;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// The open half of <see cref="ApprovalService"/>: how many pending requests one registered agent may have open at once
/// (<c>Gateway:Approvals:MaxOpenPerAgent</c>, its delegated children's counted with its own; those acting for a person,
/// an interactive client's, counted per person), and the tenant's index of its
/// open requests, which the pending list reads besides the recent window, so that no number of newer requests hides an
/// older one still pending. Both are sets in the state store (whichever store keeps the approvals), each member a request's
/// expiry and id (<c>"{unix seconds} {id}"</c>): the agent's under <c>StoreKeys.Approval(tenant, "open:" + agent)</c> (acting
/// for a person, under <c>"open-for:{agent's length}:{agent}:{person}"</c>), the
/// tenant's under <c>StoreKeys.Approval(tenant, "open")</c>. A member leaves both when its request is settled, and is
/// dropped once past its expiry wherever it is read, so neither holds more than the agents' open requests for long.
/// </summary>
public sealed partial class ApprovalService
{
    private const string OpenIndexId = "open";
    private const string OpenAgentPrefix = "open:";
    private const string OpenPersonPrefix = "open-for:";

    /// <summary>
    /// Counts <paramref name="prepared"/> among its registered agent's open requests, or throws
    /// <see cref="ApprovalOpenLimitException"/> (counting nothing) when the agent already has
    /// <c>Gateway:Approvals:MaxOpenPerAgent</c>. Added first, then counted: of concurrent opens, each sees every one added
    /// before its count, so the limit is never passed (at worst two concurrent ones at the limit are both refused).
    /// </summary>
    private async ValueTask ReserveOpenAsync(ApprovalRequest prepared, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var agent = OpenHolderOf(prepared);
        var agentKey = OpenAgentKey(prepared.Tenant, prepared);
        var member = OpenMember(prepared);
        await _state.SetAddAsync(agentKey, member, OpenIndexLifetime(prepared, now), cancellationToken);
        if (await CountOthersOpenAsync(prepared.Tenant, agentKey, member, now, cancellationToken) >= _options.MaxOpenPerAgent)
        {
            await _state.SetRemoveAsync(agentKey, member, cancellationToken);
            LogOpenLimit(_logger, prepared.Tenant, agent, _options.MaxOpenPerAgent);
            throw new ApprovalOpenLimitException(string.Create(CultureInfo.InvariantCulture,
                $"Agent '{agent}' already has {_options.MaxOpenPerAgent} approval requests open (Gateway:Approvals:MaxOpenPerAgent): no more is opened until one is decided or expires."));
        }
    }

    /// <summary>Takes back a reservation whose request was not opened (a failure, an id taken): best effort, it lapses with the request's expiry.</summary>
    private async ValueTask ReleaseOpenAsync(ApprovalRequest prepared)
    {
        try
        {
            await _state.SetRemoveAsync(OpenAgentKey(prepared.Tenant, prepared), OpenMember(prepared), CancellationToken.None);
        }
        catch (StateStoreUnavailableException)
        {
            // Counted until the request's expiry: the limit errs on the side of refusing.
        }
    }

    /// <summary>Lists an opened request in its tenant's index of open requests (the pending list's).</summary>
    private ValueTask<long> IndexOpenAsync(ApprovalRequest opened, DateTimeOffset now, CancellationToken cancellationToken) =>
        _state.SetAddAsync(StoreKeys.Approval(opened.Tenant, OpenIndexId), OpenMember(opened), OpenIndexLifetime(opened, now), cancellationToken);

    /// <summary>Takes a request that is no longer pending out of its agent's open requests and its tenant's index.</summary>
    private async ValueTask ForgetOpenAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        var member = OpenMember(request);
        await _state.SetRemoveAsync(OpenAgentKey(request.Tenant, request), member, cancellationToken);
        await _state.SetRemoveAsync(StoreKeys.Approval(request.Tenant, OpenIndexId), member, cancellationToken);
    }

    /// <summary>
    /// The tenant's requests that are pending but may have left the recent window: those of its index of open requests not in
    /// <paramref name="listed"/> (read there), each read at most once. Members found settled, or gone past their expiry, are
    /// dropped from the index.
    /// </summary>
    private async ValueTask<List<ApprovalRequest>> ListIndexedPendingAsync(string tenant, IReadOnlySet<string> listed, CancellationToken cancellationToken)
    {
        var index = StoreKeys.Approval(tenant, OpenIndexId);
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var pending = new List<ApprovalRequest>();
        foreach (var member in await _state.SetMembersAsync(index, cancellationToken))
        {
            if (!TryParseOpenMember(member, out var expires, out var id))
            {
                await _state.SetRemoveAsync(index, member, cancellationToken);
                continue;
            }

            if (listed.Contains(id))
            {
                continue;
            }

            var request = await GetAsync(tenant, id, cancellationToken);
            if (request?.Status == ApprovalStatus.Pending)
            {
                pending.Add(request);
            }
            else if (request is not null)
            {
                await ForgetOpenAsync(request, cancellationToken);
            }
            else if (expires <= now)
            {
                await _state.SetRemoveAsync(index, member, cancellationToken);
            }
        }

        return pending;
    }

    // The agent's open requests but the one being opened: those not past their expiry (the others are dropped). Only at the
    // limit are their outcomes read (a settle drops its own, but a replica can stop between the two): a settled one is dropped.
    private async ValueTask<int> CountOthersOpenAsync(string tenant, string agentKey, string own, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var live = new List<(string Member, string Id)>();
        foreach (var member in await _state.SetMembersAsync(agentKey, cancellationToken))
        {
            if (string.Equals(member, own, StringComparison.Ordinal))
            {
                continue;
            }

            if (TryParseOpenMember(member, out var expires, out var id) && expires > now.ToUnixTimeSeconds())
            {
                live.Add((member, id));
            }
            else
            {
                await _state.SetRemoveAsync(agentKey, member, cancellationToken);
                await _state.SetRemoveAsync(StoreKeys.Approval(tenant, OpenIndexId), member, cancellationToken);
            }
        }

        if (live.Count < _options.MaxOpenPerAgent)
        {
            return live.Count;
        }

        // A reservation whose request is not stored yet has no outcome either: it counts.
        var open = 0;
        foreach (var (member, id) in live)
        {
            if (await _store.GetOutcomeAsync(tenant, id, cancellationToken) is null)
            {
                open++;
            }
            else
            {
                await _state.SetRemoveAsync(agentKey, member, cancellationToken);
                await _state.SetRemoveAsync(StoreKeys.Approval(tenant, OpenIndexId), member, cancellationToken);
            }
        }

        return open;
    }

    /// <summary>Whose open requests the request counts among: its registered agent's, and the person's its chain acts for (an interactive client's), each apart.</summary>
    private static string OpenHolderOf(ApprovalRequest request) =>
        ApprovalConflicts.ChainOf(request) is { } chain && chain.Person is { } person ? chain.Agent + "' acting for '" + person.Id : RootAgentOf(request);

    /// <summary>The registered agent the request counts against: its actor chain's root (a delegated child's issuer), else its agent.</summary>
    private static string RootAgentOf(ApprovalRequest request) => ApprovalConflicts.ChainOf(request)?.Agent ?? request.Agent;

    // The agent's set, or (acting for a person) the agent and person's, the agent's id length-prefixed so that no pair reads as another.
    private static string OpenAgentKey(string tenant, ApprovalRequest request) =>
        ApprovalConflicts.ChainOf(request) is { } chain && chain.Person is { } person
            ? StoreKeys.Approval(tenant, OpenPersonPrefix + chain.Agent.Length.ToString(CultureInfo.InvariantCulture) + ":" + chain.Agent + ":" + person.Id)
            : StoreKeys.Approval(tenant, OpenAgentPrefix + RootAgentOf(request));

    private static string OpenMember(ApprovalRequest request) =>
        request.ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + " " + request.Id;

    private static bool TryParseOpenMember(string member, out long expires, out string id)
    {
        var space = member.IndexOf(' ', StringComparison.Ordinal);
        id = space < 0 ? string.Empty : member[(space + 1)..];
        expires = 0;
        return space > 0 && long.TryParse(member.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out expires) && ApprovalIds.IsWellFormed(id);
    }

    // The sets live as long as the request that was added last is pending, and a minute more.
    private static TimeSpan OpenIndexLifetime(ApprovalRequest request, DateTimeOffset now)
    {
        var lifetime = request.ExpiresAt - now + TimeSpan.FromMinutes(1);
        return lifetime > TimeSpan.FromMinutes(1) ? lifetime : TimeSpan.FromMinutes(1);
    }

    [LoggerMessage(EventId = 4084, Level = LogLevel.Warning, Message = "Approval request of agent {Agent} in tenant {Tenant} refused: it already has {Limit} open (Gateway:Approvals:MaxOpenPerAgent)")]
    private static partial void LogOpenLimit(ILogger logger, string tenant, string agent, int limit);
}
