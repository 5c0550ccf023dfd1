using Gateway.Audit;
using Gateway.Oversight.Delegations;
using Gateway.Policy;
using Gateway.Policy.Tokens;
using Gateway.Store;

namespace Gateway.Oversight.Tokens;

/// <summary>
/// Says whether a decision token is live, for executors (<c>POST /v1/decision-tokens/verify</c>): signed by this
/// gateway, not expired, issued under the tenant's and the agent's current token generations and under the policy now
/// in force (<see cref="TokenGenerations.PolicyInForceAsync"/>), its approval (when it names one) not revoked, the
/// delegated children its chain names (when it names any) still live and within the tenant's delegation settings in force, and its record in the shared store still unused. One store call (<see cref="IKeyValueStore.GetManyAsync"/>),
/// and for a consuming call one more that uses the record up only while what that read found is unchanged;
/// nothing is cached, so a revocation is seen by the next verification on any replica. A store failure throws
/// <see cref="StateStoreUnavailableException"/>: a token is never live because it could not be checked.
/// </summary>
public sealed class DecisionTokenVerifier
{
    // Consuming reads that may find their revocation keys changed before the verifier gives up (503, never live).
    private const int ConsumeAttempts = 3;

    private readonly DecisionTokenReader _reader;
    private readonly IStateStore _store;
    private readonly TimeProvider _time;
    private readonly IDelegationSettingsSource? _delegation;

    public DecisionTokenVerifier(DecisionTokenReader reader, IStateStore store, TimeProvider time, IDelegationSettingsSource? delegation = null)
    {
        _reader = reader;
        _store = store;
        _time = time;
        _delegation = delegation;
    }

    /// <summary>Whether <paramref name="token"/> is live now; nothing is changed.</summary>
    public ValueTask<DecisionTokenStatus> VerifyAsync(string? token, CancellationToken cancellationToken = default) =>
        CheckAsync(token, mayConsume: null, cancellationToken);

    /// <summary>
    /// Verifies <paramref name="token"/> and uses it up when it is live and <paramref name="mayConsume"/> allows (the
    /// caller's tenant check: false answers the verification and uses nothing up), for an executor that asked to consume
    /// it: its record set from issued to used (<see cref="IAdmissionStore.ConsumeTokenAsync"/>) in one atomic step with
    /// the check that every revocation key the verification read (generations, policy in force, approval mark, delegated
    /// chain) still holds what it read, the same record step with which an action presenting an evaluation's token uses
    /// it, so that of any number of calls and actions on any replicas exactly one succeeds, and a revocation that landed
    /// after the read wins: the token is read again and answers revoked, unused. Every other call answers <c>revoked</c>,
    /// <c>used</c>. A store failure throws <see cref="StateStoreUnavailableException"/>, never live.
    /// </summary>
    public ValueTask<DecisionTokenStatus> ConsumeAsync(string? token, Func<DecisionTokenPayload, bool> mayConsume, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mayConsume);
        return CheckAsync(token, mayConsume, cancellationToken);
    }

    private async ValueTask<DecisionTokenStatus> CheckAsync(string? token, Func<DecisionTokenPayload, bool>? mayConsume, CancellationToken cancellationToken)
    {
        var read = _reader.Read(token);
        if (read.Payload is not { } payload)
        {
            return new DecisionTokenStatus(DecisionTokenStatus.Invalid, read.Failure, null);
        }

        if (!Identifiers.IsValidTenant(payload.Tenant) || !Identifiers.IsValidAgent(payload.Agent) || !Identifiers.IsValidAgent(payload.GenerationAgent) || string.IsNullOrEmpty(payload.TokenId) || payload.Record is { Length: 0 })
        {
            return new DecisionTokenStatus(DecisionTokenStatus.Invalid, DecisionTokenRead.MalformedReason, null);
        }

        if (_time.GetUtcNow().ToUnixTimeSeconds() >= payload.ExpiresAt)
        {
            return new DecisionTokenStatus(DecisionTokenStatus.Expired, DecisionTokenStatus.Reasons.Expired, payload);
        }

        var generations = TokenGenerations.KeysOf(payload.Tenant, payload.GenerationAgent);
        var keys = new List<string>(6)
        {
            DecisionTokenRecords.KeyOf(payload), generations[0], generations[1], StoreKeys.TokenPolicyDigest(payload.Tenant),
            StoreKeys.DecisionTokenConsumed(payload.Tenant, payload.TokenId),
        };
        if (payload.ApprovalId is { } approval)
        {
            keys.Add(StoreKeys.ApprovalRevoked(payload.Tenant, approval));
        }

        // A delegated child's token lives only while its chain does: the child, every child above it, its agent's
        // delegation generation (revoking the grant, its parent's or everything the agent delegated revokes it).
        var delegates = Delegates(payload);
        var chainAt = keys.Count;
        if (delegates.Count > 0)
        {
            keys.AddRange(DelegationStore.LivenessKeys(payload.Tenant, payload.GenerationAgent, delegates));
        }

        for (var attempt = 1; ; attempt++)
        {
            var values = await _store.GetManyAsync(keys, cancellationToken).ConfigureAwait(false);
            var reason = RevocationOf(payload, values, chainAt) ?? BeyondDelegationSettings(payload.Tenant, values, chainAt);
            var status = reason is null
                ? new DecisionTokenStatus(DecisionTokenStatus.Live, null, payload)
                : new DecisionTokenStatus(DecisionTokenStatus.Revoked, reason, payload);
            if (mayConsume is null || reason is not null || !mayConsume(payload))
            {
                return status;
            }

            // Used up only while every revocation key still holds what this read found (the record itself is the step's own).
            var unchanged = new KeyValuePair<string, string?>[keys.Count - 1];
            for (var i = 1; i < keys.Count; i++)
            {
                unchanged[i - 1] = new(keys[i], values[i]);
            }

            switch (await _store.ConsumeTokenAsync(keys[0], unchanged, cancellationToken).ConfigureAwait(false))
            {
                case TokenConsumption.Consumed:
                    return status;
                case TokenConsumption.AlreadyUsed:
                    return new DecisionTokenStatus(DecisionTokenStatus.Revoked, DecisionTokenStatus.Reasons.Used, payload);
                case TokenConsumption.Changed when attempt < ConsumeAttempts:
                    continue;
                case TokenConsumption.Changed:
                    throw new StateStoreUnavailableException("The decision token's revocation state kept changing while it was being consumed.");
                default:
                    return new DecisionTokenStatus(DecisionTokenStatus.Revoked, DecisionTokenStatus.Reasons.NotRecorded, payload);
            }
        }
    }

    // Why the token is no longer live, from what the store holds: its record, the tenant's and the agent's generations,
    // the delegated chain's liveness (from chainAt, when the token names children), the policy in force, and the
    // approval's revocation mark when the token names an approval; null while live.
    private static string? RevocationOf(DecisionTokenPayload payload, IReadOnlyList<string?> values, int chainAt)
    {
        if (TokenGenerations.RevocationOf(payload, TokenGenerations.Generation(values[1]), TokenGenerations.Generation(values[2])) is { } byGeneration)
        {
            return byGeneration;
        }

        if (values.Count > chainAt && !DelegationStore.IsChainLive([.. values.Skip(chainAt)]))
        {
            return DecisionTokenStatus.Reasons.DelegationRevoked;
        }

        // Another policy in force, or the tenant removed from the bundle (TokenGenerations.PolicyRemoved, never a digest).
        if (payload.PolicyDigest is not null && values[3] is { } inForce && !string.Equals(inForce, payload.PolicyDigest, StringComparison.Ordinal))
        {
            return DecisionTokenStatus.Reasons.PolicyChanged;
        }

        if (payload.ApprovalId is not null && values[5] is not null)
        {
            return DecisionTokenStatus.Reasons.ApprovalRevoked;
        }

        if (values[4] is not null)
        {
            // An executor consumed it through a replica of a version that marked it apart from its record.
            return DecisionTokenStatus.Reasons.Used;
        }

        return values[0] switch
        {
            TokenRecording.Issued => null,
            TokenRecording.Used => DecisionTokenStatus.Reasons.Used,
            _ => DecisionTokenStatus.Reasons.NotRecorded,
        };
    }

    // Settings tightened after the children were issued bind their tokens as they bind the children's own requests: a
    // child now deeper than max_depth, or older than max_ttl on the gateway's clock, holds no authority.
    private string? BeyondDelegationSettings(string tenant, IReadOnlyList<string?> values, int chainAt)
    {
        if (values.Count <= chainAt + 1 || _delegation?.DelegationOf(tenant) is not { } settings)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        for (var i = chainAt + 1; i < values.Count; i++)
        {
            if (DelegationStore.Parse(values[i]) is not { } child || !DelegationStore.IsWithin(child, settings, now))
            {
                return DecisionTokenStatus.Reasons.DelegationRevoked;
            }
        }

        return null;
    }

    // The delegated children the token's chain names, from its registered agent down to the child that acted.
    private static List<string> Delegates(DecisionTokenPayload payload) =>
        payload.ActorChain is { } chain ? [.. chain.Where(static l => l.Kind == ActorKind.Delegate).Select(static l => l.Id)] : [];
}
