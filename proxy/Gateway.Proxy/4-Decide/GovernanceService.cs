using System.Diagnostics;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Incidents;
using Gateway.Policy.Tokens;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Telemetry;
using Gateway.Store;
using System.Runtime.CompilerServices;

namespace Gateway.Proxy.Decide;

/// <summary>
/// Decides one governed request: describe, decide (locally, every time: no decision cache, see
/// docs/design-notes.md "Decision cache"), check a presented warrant, then attach what the decision needs: a token for
/// the allow family, and as data (<see cref="DecisionEffects"/>) the approval request a require_approval asks for, the
/// incident a block_and_open_incident asks for, the warrant a satisfied require_approval redeems. It writes nothing:
/// the effects are carried out after the decision is recorded (the Enforce stage). Any exception while deciding is a
/// block (fail closed); a store failure while reading a warrant's state propagates as
/// <see cref="StateStoreUnavailableException"/>.
/// </summary>
internal sealed partial class GovernanceService
{
    /// <summary>How long approvers have to act on a request, at most <c>Gateway:Approvals:MaxRequestTtl</c>.</summary>
    private static readonly TimeSpan ApprovalWindow = TimeSpan.FromHours(1);

    private readonly DecisionEngine _engine = DecisionEngine.Instance;
    private readonly ExplanationJsonCache _explanations = new();
    private readonly DecisionTokenIssuer _tokens;
    private readonly ApprovalService _approvals;
    private readonly IncidentService _incidents;
    private readonly GatewayMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<GovernanceService> _logger;

    public GovernanceService(
        DecisionTokenIssuer tokens,
        ApprovalService approvals,
        IncidentService incidents,
        GatewayMetrics metrics,
        TimeProvider time,
        ILogger<GovernanceService> logger)
    {
        _tokens = tokens;
        _approvals = approvals;
        _incidents = incidents;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Decides <paramref name="request"/> for <paramref name="identity"/>. <paramref name="grant"/> is the decision token
    /// the admission recorded (none is issued without one); <paramref name="evaluation"/>, an evaluation's token the
    /// admission used up, blocks the action unless it is the action evaluated (<see cref="EvaluationMismatch"/>).
    /// <paramref name="described"/> is the action as the admission already described it (null: described here), and
    /// <paramref name="activity"/> what the admission counted of the run the request acts in (the run's loop detection reads
    /// it). <paramref name="requestId"/> names the request in the token (its audit record). <paramref name="decideOnly"/>: the
    /// route only decides (<c>/v1/evaluate</c>): a warrant is checked, never redeemed, and no token rests on it.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<GovernedDecision> DecideAsync(TenantPolicy tenant, AgentIdentity identity, ActionRequest request, DecisionTokenGrant? grant, DecisionTokenPayload? evaluation,
        DescribeResult? described, RunActivity? activity, string requestId, bool decideOnly, CancellationToken cancellationToken)
    {
        var caller = identity.Caller;
        var started = Stopwatch.GetTimestamp();
        Decision decision;
        CatalogEntry? entry = null;
        try
        {
            if ((described ?? _engine.Describe(tenant, caller, request)).Descriptor is { } descriptor)
            {
                entry = descriptor.Entry;
                decision = identity.Suspended
                    ? OperatorSuspension.Block(_engine.Decide(tenant, descriptor, request, activity))
                    : _engine.Decide(tenant, descriptor, request, activity);
            }
            else
            {
                decision = _engine.Evaluate(tenant, caller, request);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not StateStoreUnavailableException)
        {
            LogEvaluationFailed(_logger, ex);
            decision = FailClosed.Block(tenant.Digest, "evaluation_error");
        }

        string? warrantRejection = null;
        string? redeemedApproval = null;
        string? spentApproval = null;
        WarrantPresentation? toRedeem = null;
        // A decision that carries nothing out (simulate, /v1/evaluate) checks a warrant and leaves it for the action.
        var checksOnly = decision.EvaluateOnly || decideOnly;
        if (decision.Kind == DecisionKind.RequireApproval && request.Warrant is { Length: > 0 } warrant)
        {
            // Checked here (a read: signature, digests, revocation, not used yet); used up only once the decision is recorded.
            // Its token generations are those the admission read (its one store step): no read of them here.
            var presented = new WarrantPresentation(identity.Tenant, identity.Agent, decision.IntentDigest, decision.PolicyDigest, warrant)
            {
                Generations = grant is null ? null : (grant.TenantGeneration, grant.AgentGeneration),
                RegisteredAgent = identity.RegisteredAgent,
                // Only the obligation the approval was given for is lifted: another the request meets now holds it again.
                Obligation = ApprovalObligation.Of(decision),
            };
            var check = await (checksOnly ? _approvals.CheckWarrantAsync(presented, cancellationToken) : _approvals.CheckBeforeRedeemingAsync(presented, cancellationToken)).ConfigureAwait(false);
            if (check.Redeemed)
            {
                decision = decision.WithWarrant(decision.IntentDigest);
                redeemedApproval = check.Claims?.Apr;
                toRedeem = checksOnly ? null : presented;
            }
            else
            {
                warrantRejection = check.Reason ?? "warrant_rejected";
                // A spent warrant's replay: the action it approved was carried out; no new approval is opened for it.
                spentApproval = check.Reason == WarrantReasons.AlreadyUsed ? check.Claims?.Apr : null;
            }
        }

        // One approval at a time per agent and intent: a retry folds into the one still pending (or approved, its warrant
        // unused) under a policy its warrant is good for and for an obligation that covers the one met now, so that an agent
        // in a retry loop cannot grow the inbox (docs/approvals-and-audit.md).
        var existingApproval = spentApproval is null && decision.Kind == DecisionKind.RequireApproval && !decision.EvaluateOnly
            ? await _approvals.FindOpenForIntentAsync(identity.Tenant, identity.Agent, decision.IntentDigest, decision.PolicyDigest, ApprovalObligation.Of(decision), cancellationToken).ConfigureAwait(false)
            : null;

        var mismatch = evaluation is not null && EvaluationMismatch.Differs(decision, evaluation);
        if (mismatch)
        {
            decision = EvaluationMismatch.Block(decision, evaluation!);
        }

        if (identity.ChainLinks is { } chain)
        {
            // Who acted goes with the decision: its explanation (so every response, approval and record), and its token.
            decision = decision with { Explanation = decision.Explanation with { ActorChain = chain } };
            grant = grant is null ? null : grant with { ActorChain = chain };
        }

        if (identity.Run is { } run)
        {
            // The run goes with the decision the same way: its explanation (so its records) and its token.
            decision = decision with { Explanation = decision.Explanation with { RunId = run.Id } };
            grant = grant is null ? null : grant with { Run = run.Id };
        }

        var explanationJson = _explanations.Serialize(decision.Explanation);
        // What the decision asks for, worked out first: the decision is made into one object, not copied with `with`.
        string? token = null;
        ApprovalReference? approvalReference = null;
        string? incidentId = null;
        var effects = toRedeem is not null && !mismatch ? new DecisionEffects { RedeemWarrant = toRedeem } : DecisionEffects.None;
        switch (decision.Kind)
        {
            case DecisionKind.Allow or DecisionKind.AllowAndLog or DecisionKind.Degrade when decision.MayExecute && decision.Descriptor is not null && grant is not null
                && !(decideOnly && redeemedApproval is not null):
                // An executable decision's token goes to the executor; an evaluation's back to the agent, for the action. An
                // evaluation allowed by a warrant gets none: only the warrant, redeemed once by the action, carries it out.
                token = _tokens.Issue(decision, grant with { RequestId = requestId, ApprovalId = redeemedApproval });

                break;
            case DecisionKind.RequireApproval when !decision.EvaluateOnly && (spentApproval ?? existingApproval?.Id) is { } named:
                approvalReference = new ApprovalReference(named, "/v1/approvals/" + named);
                break;
            case DecisionKind.RequireApproval when !decision.EvaluateOnly:
                var approval = _approvals.Prepare(
                    identity.Tenant,
                    identity.Agent,
                    decision.Descriptor?.Tool ?? request.Tool,
                    decision.IntentDigest,
                    decision.PolicyDigest,
                    System.Text.Encoding.UTF8.GetString(explanationJson.Span),
                    gateId: null,
                    decision.Approvers,
                    Math.Max(1, decision.ApprovalsRequired),
                    // Bounded by Gateway:Approvals, as every approval is: a shorter window or warrant only tightens.
                    _approvals.RequestTtlWithin(ApprovalWindow),
                    _approvals.WarrantTtlWithin(decision.WarrantTtl ?? ApprovalGate.DefaultWarrantTtl),
                    requestId,
                    // What the approvers see of the action: its arguments redacted here, before they are stored.
                    ApprovalArguments.Of(request.Args));
                approvalReference = new ApprovalReference(approval.Id, "/v1/approvals/" + approval.Id);
                effects = new DecisionEffects { OpenApproval = approval };
                break;
            case DecisionKind.BlockAndOpenIncident when decision.OpensIncident:
                var incident = _incidents.Prepare(
                    identity.Tenant,
                    identity.Agent,
                    decision.Descriptor?.Tool ?? request.Tool,
                    decision.IntentDigest,
                    System.Text.Encoding.UTF8.GetString(explanationJson.Span),
                    [.. decision.Explanation.OpenRisks.Select(r => r.Id)],
                    identity.Workspace);
                incidentId = incident.Id;
                effects = new DecisionEffects { OpenIncident = incident };
                break;
        }

        var governed = new GovernedDecision
        {
            Decision = decision,
            Entry = entry,
            ExplanationJson = explanationJson,
            WarrantRejection = warrantRejection,
            ApprovalReused = spentApproval is not null || existingApproval is not null,
            EvaluationMismatch = mismatch,
            Evaluation = evaluation,
            DecisionToken = token,
            Approval = approvalReference,
            IncidentId = incidentId,
            Effects = effects,
        };

        Record(governed, started);
        return governed;
    }

    private void Record(GovernedDecision governed, long started)
    {
        var failing = governed.FailingControls;
        var decisionName = WireNames.Of(governed.Kind);
        _metrics.Decisions.Add(
            1,
            new KeyValuePair<string, object?>("decision", decisionName),
            new KeyValuePair<string, object?>("control", failing.Count > 0 ? failing[0] : "none"),
            new KeyValuePair<string, object?>("tenant", governed.Decision.Descriptor?.Tenant ?? "unknown"));
        _metrics.DecisionDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("decision", decisionName));
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "Policy evaluation failed; the request is blocked (fail closed)")]
    private static partial void LogEvaluationFailed(ILogger logger, Exception exception);
}
