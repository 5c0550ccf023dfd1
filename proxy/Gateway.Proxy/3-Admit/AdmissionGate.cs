using Gateway.Oversight.Agents;
using Gateway.Oversight.Tokens;
using Gateway.Policy;
using Gateway.Policy.Tokens;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Configuration;
using Gateway.Proxy.Reservations;
using Gateway.Proxy.Telemetry;
using Gateway.Store;
using Microsoft.Extensions.Options;
using System.Runtime.CompilerServices;

namespace Gateway.Proxy.Admit;

/// <summary>
/// The Admit stage: ONE store call per request (<see cref="IAdmissionStore.AdmitAsync"/>) stores the nonce
/// if absent, reads the agent's kill switches and acquires the bundle's rate-limit windows (tenant,
/// agent, tool), shared by every replica, counts and reserves what the request spends of the run it acts in
/// (<see cref="RunLimitGate"/>: its action, tokens, cost and intent, all or none), and for a model call under a token
/// budget reserves its tokens (<see cref="TokenBudgetGate.ForAdmission"/>). For a request that may be issued a decision token it records
/// the token's id and reads the tenant's and agent's token generations it will be issued under, and uses up an
/// evaluation's token presented on the action, in the same call. Authentication proved the signature; this
/// proves freshness.
/// </summary>
internal sealed class AdmissionGate
{
    /// <summary>The <see cref="Admission.Scope"/> of a refusal by a registered agent's delegation issuance window.</summary>
    public const string IssuanceScope = "delegation";

    private readonly IStateStore _store;
    private readonly TokenBudgets _budgets;
    private readonly RunCounters _runs;
    private readonly GatewayMetrics _metrics;
    private readonly TimeSpan _nonceLifetime;
    private readonly TimeSpan _tokenRecordLifetime;
    private readonly TimeSpan _recordLifetime;
    private readonly AdmissionKeys _keys = new();
    private readonly AdmissionView _view;

    public AdmissionGate(IStateStore store, TokenBudgets budgets, RunCounters runs, GatewayMetrics metrics, DecisionTokenIssuer tokens, IOptions<GatewayOptions> options, AdmissionView view)
    {
        _view = view;
        _store = store;
        _budgets = budgets;
        _runs = runs;
        _metrics = metrics;
        _nonceLifetime = options.Value.Authentication.NonceLifetime;

        // The record outlives its token by a few seconds, so that a token is never "not recorded" before it is "expired".
        // It is the nonce's record, which then lives as long as the longer of the two.
        _tokenRecordLifetime = tokens.Lifetime + TimeSpan.FromSeconds(5);
        _recordLifetime = _tokenRecordLifetime > _nonceLifetime ? _tokenRecordLifetime : _nonceLifetime;
    }

    /// <summary>Admits a request that reserves no budget and is issued no decision token.</summary>
    public ValueTask<Admission> AdmitAsync(TenantPolicy? tenant, AgentIdentity identity, string? tool, CancellationToken cancellationToken) =>
        AdmitAsync(tenant, identity, tool, budget: null, run: null, issuesToken: false, evaluation: null, cancellationToken);

    /// <summary>
    /// Admits the request: the refusal when it may not go on, else the identity with the operator's (or
    /// the tenant's) suspension applied. <paramref name="tenant"/> and <paramref name="tool"/> select the rate limits
    /// (none when null); <paramref name="budget"/>, when not null, is reserved in the same store call, only
    /// for a fresh nonce whose windows all admitted and whose <paramref name="run"/> counters, when planned, were reserved
    /// (<see cref="Admission.Reservation"/>); a run limit used up refuses the request (<see cref="AdmissionVerdict.RunLimitExceeded"/>),
    /// and what was reserved in the run is <see cref="Admission.Run"/>. When
    /// <paramref name="issuesToken"/>, the decision token the request may be issued is recorded in the same call
    /// (<see cref="Admission.TokenGrant"/>), and <paramref name="evaluation"/>, an evaluation's token presented on the
    /// action, is used up there: a token used before, unknown or revoked is refused (<see cref="Admission.Evaluation"/>
    /// once used). A store failure throws <see cref="StateStoreUnavailableException"/> (fail closed).
    /// </summary>
    public ValueTask<Admission> AdmitAsync(TenantPolicy? tenant, AgentIdentity identity, string? tool, BudgetReservation? budget, RunAdmissionPlan? run, bool issuesToken, DecisionTokenPayload? evaluation, CancellationToken cancellationToken) =>
        AdmitAsync(tenant, identity, tool, budget, run, issuesToken, evaluation, issuance: null, cancellationToken);

    /// <summary>
    /// Admits a delegation's issuance (<c>POST /v1/delegations</c>, recorded under <paramref name="tool"/>): the
    /// registered agent's rate limits as for any request, and its own issuance window, <paramref name="settings"/>'
    /// <see cref="DelegationSettings.IssuanceLimit"/> per <see cref="DelegationSettings.IssuanceWindow"/>, counted against
    /// the registered agent at the root of the chain whichever descendant issues (refused with the scope
    /// <see cref="IssuanceScope"/>).
    /// </summary>
    public ValueTask<Admission> AdmitIssuanceAsync(TenantPolicy? tenant, AgentIdentity identity, string tool, DelegationSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var window = new RateLimitWindow(
            StoreKeys.RateLimit(identity.Tenant, "delegation:" + identity.RegisteredAgent + ":" + (long)settings.IssuanceWindow.TotalMilliseconds + ":" + settings.IssuanceLimit),
            settings.IssuanceLimit,
            settings.IssuanceWindow);
        return AdmitAsync(tenant, identity, tool, budget: null, run: null, issuesToken: false, evaluation: null, window, cancellationToken);
    }

    private ValueTask<Admission> AdmitAsync(TenantPolicy? tenant, AgentIdentity identity, string? tool, BudgetReservation? budget, RunAdmissionPlan? run, bool issuesToken, DecisionTokenPayload? evaluation, RateLimitWindow? issuance, CancellationToken cancellationToken) =>
        AdmitAsync(Plan(tenant, identity, tool, budget, run, issuesToken, evaluation, issuance), cancellationToken);

    /// <summary>Makes the planned admission's store call now and reads its answer (<see cref="SettleAsync"/>).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Admission> AdmitAsync(AdmissionPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return await SettleAsync(plan, await _store.AdmitAsync(plan.Request, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>
    /// A request's admission made ready for the store, with no store call: its keys, windows, counters, budget and token
    /// step as <see cref="AdmitAsync(TenantPolicy?, AgentIdentity, string?, BudgetReservation?, RunAdmissionPlan?, bool, DecisionTokenPayload?, CancellationToken)"/>
    /// makes them.
    /// </summary>
    public AdmissionPlan Plan(TenantPolicy? tenant, AgentIdentity identity, string? tool, BudgetReservation? budget, RunAdmissionPlan? run, bool issuesToken, DecisionTokenPayload? evaluation, RateLimitWindow? issuance = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        IReadOnlyList<RateLimitWindow> windows = [];
        IReadOnlyList<string>? scopes = null;
        string[] switchKeys;
        IReadOnlyList<string>? generationKeys = null;
        if (issuance is null && tenant is not null && tool is not null && identity.Delegation is null)
        {
            // The common case: the agent's keys for this tool, made once per policy (AdmissionKeys).
            var known = _keys.For(tenant, identity.Tenant, identity.Agent, tool, identity.SecretFingerprint);
            (windows, scopes, switchKeys, generationKeys) = (known.Windows, known.Scopes, known.SwitchKeys, known.GenerationKeys);
        }
        else
        {
            List<RateLimitWindow>? own = null;
            List<string>? ownScopes = null;
            if (issuance is { } ownWindow)
            {
                own = [ownWindow];
                ownScopes = [IssuanceScope];
            }

            if (tenant is not null && tool is not null)
            {
                // A delegated child counts against its registered agent's limits: delegating never adds capacity.
                var (limits, limitScopes) = AdmissionKeys.Windows(tenant, identity.Tenant, identity.RegisteredAgent, tool);
                (own ??= []).AddRange(limits);
                (ownScopes ??= []).AddRange(limitScopes);
            }

            windows = (IReadOnlyList<RateLimitWindow>?)own ?? [];
            scopes = ownScopes;
            switchKeys = identity.Delegation is { } delegated && identity.SecretFingerprint is { } fingerprint
                ? AgentStatusService.DelegateSwitchKeys(identity.Tenant, identity.Agent, fingerprint, identity.RegisteredAgent, delegated.Record.IssuerSecretFingerprint)
                : AgentStatusService.SwitchKeys(identity.Tenant, identity.Agent, identity.SecretFingerprint);
        }

        // The token step first, so that the request is made in one object, not copied with `with`. The token's record is
        // the nonce's: one key per admitted request, written once (its value "issued" in place of the timestamp).
        var tokenId = issuesToken ? DecisionTokenGrant.NewTokenId() : null;
        var nonceName = StoreKeys.NonceName(identity.Agent, identity.Nonce);
        var nonceKey = StoreKeys.NonceRecord(identity.Tenant, nonceName);
        var request = new AdmissionRequest(
            nonceKey,
            tokenId is null ? identity.Timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture) : TokenRecording.Issued,
            tokenId is null ? _nonceLifetime : _recordLifetime,
            switchKeys,
            windows)
        {
            StoppingSwitches = AdmissionPlan.StoppingSwitches(identity.Delegation is not null),
            Budget = budget,
            Counters = run?.Counters ?? [],
            Token = tokenId is null ? null : new TokenRecording(
                nonceKey,
                _tokenRecordLifetime,
                generationKeys ?? TokenGenerations.KeysOf(identity.Tenant, identity.RegisteredAgent))
            {
                ConsumeKey = evaluation is null ? null : DecisionTokenRecords.KeyOf(evaluation),
            },
        };

        return new AdmissionPlan(request, identity, tool, scopes, budget, run, evaluation, tokenId, tokenId is null ? null : nonceName);
    }

    /// <summary>
    /// The admission a plan will have if the store answers as this replica last saw the agent (<see cref="AdmissionView"/>:
    /// no kill switch on, these token generations), for the Decide stage to decide on before the store call; null when
    /// the view knows nothing of the agent or saw a switch on (then the store is asked first, as ever). The plan's store
    /// call is made by the Record stage, with the decision record, and read with <see cref="SettleAsync"/>.
    /// </summary>
    public Admission? Provisional(AdmissionPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return plan.TokenId is { } tokenId && _view.Of(plan.ViewKey) is { SwitchesOn: 0 } seen
            ? new Admission(AdmissionVerdict.Admitted, plan.Identity, null, TimeSpan.Zero)
            {
                TokenGrant = new DecisionTokenGrant(tokenId, seen.TenantGeneration, seen.AgentGeneration) { Record = plan.TokenRecord },
                Plan = plan,
            }
            : null;
    }

    /// <summary>
    /// Reads the store's answer to a plan (<see cref="AdmissionPlan.Read"/>), counts a replay or a rate limit, remembers what
    /// it read of the agent (<see cref="AdmissionView"/>), and gives back what a refused request holds.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Admission> SettleAsync(AdmissionPlan plan, AdmissionOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var admission = plan.Read(outcome);
        _metrics.CountAdmissionRefusal(admission.Verdict == AdmissionVerdict.Replayed, admission.Verdict == AdmissionVerdict.RateLimited ? admission.Scope : null);
        _view.Observe(plan.ViewKey, outcome);
        if (admission.Verdict != AdmissionVerdict.Admitted && (admission.Reservation is not null || admission.Run is not null))
        {
            // Refused here, with no admission for the request to end with: given back now.
            await ReleaseAsync(admission.Reservation, admission.Run).ConfigureAwait(false);
            return admission with { Reservation = null, Run = null };
        }

        return admission;
    }

    // What a request refused after its admission holds is given back (its action and intent stay counted).
    private async ValueTask ReleaseAsync(TokenReservation? reservation, RunReservation? spent)
    {
        if (reservation is { Granted: true })
        {
            await _budgets.ReleaseAsync(reservation).ConfigureAwait(false);
        }

        if (spent is not null)
        {
            await _runs.ReleaseAsync(spent).ConfigureAwait(false);
        }
    }
}
