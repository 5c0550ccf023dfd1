using System.Diagnostics;
using Gateway.Audit;
using Gateway.Connectors.Kinds;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.A2a;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Security;
using Gateway.Proxy.Telemetry;
using System.Runtime.CompilerServices;
using Gateway.Store;

namespace Gateway.Proxy.Record;

/// <summary>
/// Puts every decision in the tenant's hash-chained audit journal before anything acts on it, and its outcome right
/// after the response (or before it, for an entry that asks). Only decision data goes in (ids, digests, explanation, statuses, redaction counts): never
/// a body, a header value, a secret or a credential. A record that cannot be written throws
/// <see cref="AuditWriteException"/> and the caller refuses the request (fail closed). Nothing else in the proxy makes
/// audit entries of a request (this stage's <see cref="AgentAuditEntry"/>, with the parts of a request the gateway serves
/// itself, <see cref="Describe.LocalEntry"/>) or appends to the audit chain. An append, once begun, is not cancelled with
/// the request (<see cref="HttpContext.RequestAborted"/>, which on <c>/mcp</c> is a governed call's own lifetime, ended by a
/// cancel, a kill switch, a revocation or the idle timeout): a decision or an outcome is written, or fails, as the journal's
/// sink says (its own timeouts bound it, as they bound an outcome appended unawaited), never dropped halfway by a cancel.
/// </summary>
internal sealed class AuditRecorder
{
    /// <summary>The decision of a record of a remote agent's task state.</summary>
    public const string A2aTaskStateDecision = "a2a_task_state";

    private readonly AuditJournal _journal;
    private readonly GatewayMetrics _metrics;

    public AuditRecorder(AuditJournal journal, GatewayMetrics metrics)
    {
        _journal = journal;
        _metrics = metrics;
    }

    /// <summary>
    /// A decision, with the status it is answered with (0: about to execute, the outcome follows). The decisions that
    /// are carried out or refused (not evaluations, which keep a record each) of one agent, tool, decision, status,
    /// policy and explanation written in the same group share one record, each request's id and intent digest in it
    /// (<see cref="AuditEntry.Decisions"/>); it is durable before any of them is forwarded or answered, like a record
    /// of its own. The decision's receipt, whose claims are made of the sealed record and the request id, is signed with
    /// the rest of its group and stored with it (<see cref="AuditJournal.AppendWithReceiptAsync(AuditEntry, CancellationToken)"/>).
    /// A planned <paramref name="admission"/> is made in the same store call, its answer on <see cref="AuditAppended.Admission"/>.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<AuditAppended> RecordDecisionAsync(
        HttpContext context, AgentIdentity identity, GovernedDecision governed, DecisionDisposition disposition, int statusCode, AdmissionRequest? admission = null)
    {
        var entry = Entry(context, identity, governed, statusCode, disposition == DecisionDisposition.Answer ? AuditFold.None : AuditFold.Decision, outcome: null);
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await _journal.AppendWithReceiptAsync(entry, admission, CancellationToken.None).ConfigureAwait(false);
        }
        catch (AuditWriteException ex) when (admission is not null && ex.InnerException is StateStoreUnavailableException unavailable)
        {
            // The journal is on the state store that admits: the request is refused as any admission's outage is (503
            // store_unavailable), the refusal its entry went to the backlog as (Respond records no other).
            context.Features.Get<GatewayRequestFeature>()?.Add(BackloggedRefusal.Instance);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(unavailable);
            throw;
        }
        finally
        {
            _metrics.AuditAppendDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    /// <summary>
    /// Whether the request's decision record went to the journal's backlog as its refusal (an admitting append the state
    /// store's outage failed: <see cref="AuditJournal.AppendWithReceiptAsync(AuditEntry, AdmissionRequest?, CancellationToken)"/>).
    /// </summary>
    public static bool DecisionBackloggedAsRefusal(GatewayRequestFeature feature) => feature.Find<BackloggedRefusal>() is not null;

    /// <summary>
    /// What happened when the connector ran. The request's decision record, written before it in the same
    /// chain under the same request id, already carries the explanation, the digests and the failing
    /// controls: the outcome names the request (agent, tool, decision, request id) and says what happened,
    /// without repeating them. The outcomes of one agent, tool and decision written in the same group share one
    /// record, each request's own outcome in it (<see cref="AuditEntry.Outcomes"/>). The entry is made now, while the
    /// request is alive; the response does not wait for it (<see cref="AuditJournal.AppendUnawaited"/>: durable right after,
    /// with the next group of its chain, a failure in the backlog), unless the entry asks for its outcome before the
    /// response (<see cref="CatalogEntry.OutcomeBeforeResponse"/>: awaited, and a failure refuses as any append's does).
    /// The request's token-budget <paramref name="settle"/> goes in the same store call as the outcome's group where the
    /// journal can carry it and the outcome is not appended before the response; the returned task is then that append's
    /// (complete once the settle is made, or dropped with a group the sink could not take: the reservation stands), and
    /// null when the settle was not taken (settle it apart).
    /// </summary>
    public ValueTask<Task?> RecordOutcomeAsync(HttpContext context, AgentIdentity identity, GovernedDecision governed, ActionOutcome invocation, BudgetSettle? settle = null)
    {
        var entry = Entry(context, identity, governed, invocation.Refusal?.Status ?? invocation.ClientStatus ?? StatusCodes.Status200OK, AuditFold.Outcome, invocation);
        if (governed.Entry is { OutcomeBeforeResponse: true })
        {
            return AppendBeforeResponseAsync(entry);
        }

        if (settle is null || !_journal.SettlesWithAppends)
        {
            _journal.AppendUnawaited(entry);
            return new ValueTask<Task?>((Task?)null);
        }

        return new ValueTask<Task?>(_journal.AppendUnawaited(entry, settle));
    }

    /// <summary>
    /// The task states a remote agent's answer showed (a reply, or the events of its stream), one record each
    /// (<c>a2a_task_state</c>, with <see cref="AuditEntry.A2aTask"/>), in order, under the call's tool and remote agent,
    /// with its run and actor chain; a state repeated for the same task is recorded once. A state the journal cannot take goes
    /// to its backlog and the later states are appended all the same; the first such failure is thrown once all were tried.
    /// </summary>
    public async ValueTask RecordA2aTaskStatesAsync(HttpContext context, AgentIdentity identity, GovernedDecision governed, IReadOnlyList<A2aTaskState> states)
    {
        AuditWriteException? failed = null;
        foreach (var state in A2aTaskEvents.Changes(states))
        {
            try
            {
                await AppendAsync(AgentAuditEntry.Of(context, identity, governed.Decision.Descriptor?.Tool, A2aTaskStateDecision, StatusCodes.Status200OK) with
                {
                    Connector = governed.Entry is { } entry ? entry.Type().ForwardedConnectorName(entry) : null,
                    A2aTask = new AuditA2aTask { Id = state.TaskId, State = state.State },
                }).ConfigureAwait(false);
            }
            catch (AuditWriteException ex)
            {
                // In the journal's backlog as the state it is (AuditBacklog): the states after it are not dropped with it.
                failed ??= ex;
            }
        }

        if (failed is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failed);
        }
    }

    /// <summary>
    /// A refusal made before any decision (a rate limit, say; or authentication's of a proven agent, a foreign run or a
    /// person's token refused, under no <paramref name="tool"/>), with the <paramref name="explanation"/> it was answered
    /// with when it has one (a run's limit). A rate limit and a replayed nonce come in
    /// storms: those may share one record with their repeats in the same group (<see cref="AuditEntry.RequestIds"/>).
    /// </summary>
    public ValueTask<AuditRecord> RecordRefusalAsync(HttpContext context, AgentIdentity identity, string? tool, string code, int statusCode, ReadOnlyMemory<byte> explanation = default) =>
        AppendAsync(AgentAuditEntry.Of(context, identity, tool, "refused:" + code, statusCode) with
        {
            Explanation = explanation,
            RunEndedBy = RunRefusals.IsEnded(code) ? identity.Run?.End?.By : null,
            Fold = code is ProblemCodes.RateLimited or ProblemCodes.ReplayedNonce or ProblemCodes.StoreUnavailable ? AuditFold.RepeatedRefusal : AuditFold.None,
        });

    /// <summary>
    /// The entry of a request the gateway serves itself (<see cref="Describe.LocalAction"/>: a run started, a run event, a
    /// delegation issued, a card served, or the refusal of one), the route kind's own parts (<see cref="Describe.LocalEntry"/>)
    /// with who made the request, under <paramref name="tool"/>.
    /// </summary>
    public ValueTask<AuditRecord> RecordLocalAsync(HttpContext context, AgentIdentity identity, string? tool, Describe.LocalEntry entry) =>
        AppendAsync(AgentAuditEntry.Of(context, identity, tool, entry.Decision, entry.Status) with
        {
            RunId = entry.RunId,
            ActorChain = entry.ActorChain,
            RunEvent = entry.RunEvent,
            RunEndedBy = entry.RunEndedBy,
        });

    // The decision's entry, or (with its outcome) the outcome's, which leaves the decision's explanation, digests, failing
    // controls and evaluation to the decision record: built in one object, not copied with `with`.
    private static AuditEntry Entry(HttpContext context, AgentIdentity identity, GovernedDecision governed, int statusCode, AuditFold fold, ActionOutcome? outcome) =>
        new()
        {
            Tenant = identity.Tenant,
            Workspace = identity.Workspace,
            Agent = identity.Agent,
            Tool = governed.Decision.Descriptor?.Tool,
            Connector = governed.Entry is { } entry ? entry.Type().ForwardedConnectorName(entry) : null,
            RequestId = RequestIdMiddleware.GetRequestId(context),
            Decision = WireNames.Of(governed.Kind),
            StatusCode = statusCode,
            Fold = fold,
            Invoked = outcome?.Invoked ?? false,
            UpstreamStatus = outcome?.UpstreamStatus,
            Redactions = outcome?.Redactions,
            LatencyMs = outcome?.Latency.TotalMilliseconds,
            FailingControls = outcome is null ? governed.FailingControls : null,
            Explanation = outcome is null ? governed.ExplanationJson : default,
            PolicyDigest = outcome is null ? governed.Decision.PolicyDigest : null,
            IntentDigest = outcome is null ? governed.Decision.IntentDigest : null,
            ApprovalId = governed.Approval?.Id,
            EvaluationRequestId = outcome is null ? governed.Evaluation?.RequestId : null,
            Simulated = governed.Decision.Simulated ? true : null,
            SecretSlot = identity.SecretSlot?.WireName(),
            Person = identity.Person?.Subject,
            PersonIssuer = identity.Person?.Issuer,
            UpstreamAccount = outcome is null ? null : context.Features.Get<GatewayRequestFeature>()?.Find<People.Links.UpstreamAccountUsed>()?.Subject,
            ActorChain = identity.ChainLinks,
            RunId = identity.Run?.Id,
        };

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Task?> AppendBeforeResponseAsync(AuditEntry entry)
    {
        await AppendAsync(entry).ConfigureAwait(false);
        return null;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<AuditRecord> AppendAsync(AuditEntry entry)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return (await _journal.AppendWithoutReceiptAsync(entry, CancellationToken.None).ConfigureAwait(false)).Record;
        }
        finally
        {
            _metrics.AuditAppendDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    /// <summary>The request feature's mark of a decision record that went to the journal's backlog as the request's refusal.</summary>
    private sealed class BackloggedRefusal
    {
        public static readonly BackloggedRefusal Instance = new();
    }
}
