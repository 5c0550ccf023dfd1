using System.Diagnostics;
using System.Runtime.CompilerServices;
using Gateway.Audit;
using Gateway.Policy.Tokens;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Configuration;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Telemetry;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Admit;

/// <summary>
/// Admit: refuses an action in a run that has ended (cancelled by an operator on any replica, or ended by its agent:
/// <see cref="RunRefusals.Ended"/>, from the run the Authenticate stage read), a person's interactive client whose token
/// lacks a scope the tool needs (<see cref="TokenScopeGate"/>), or that has outlived its duration
/// (<see cref="RunLimitGate"/>), then makes the request's one store call
/// (<see cref="AdmissionGate"/>): the nonce is stored if absent (a replay is 401), the agent's kill
/// switches are read, the rate-limit windows acquired (429, recorded), the run's action, tokens, cost and intent counted
/// and reserved all or none (a limit used up is 429 <c>run_limit_exceeded</c>, recorded) and a model call's token budget
/// reserved (a refusal of the budget is answered by Enforce, after the decision); in the same call the id of the
/// decision token the request may be issued is recorded, and an evaluation's token presented on an action
/// (<see cref="PresentedEvaluation"/>) is used up. Its record is the <see cref="Admission"/>, with the caller as the
/// store knows it (an operator's suspension applied). With <c>Gateway:Admission:WithDecisionRecord</c> (on by default),
/// a registered agent's request that acts in no run and presents no evaluation, whose switches and token generations
/// this replica has seen (<see cref="AdmissionGate.Provisional"/>), makes no store call here: its record is the
/// provisional <see cref="Admission"/> with its <see cref="Admission.Plan"/>, and the Record stage makes the store call
/// together with the decision record.
/// </summary>
internal sealed class AdmitStage
{
    private readonly RequestDelegate _next;
    private readonly AdmissionGate _admission;
    private readonly RunLimitGate _runs;
    private readonly DecisionTokenReader _tokens;
    private readonly TimeProvider _time;
    private readonly GatewayMetrics _metrics;

    private readonly IServiceProvider _services;

    // Gateway:Admission:WithDecisionRecord, where the audit sink is the state store (whose append carries an admission).
    private readonly bool _withDecisionRecord;

    public AdmitStage(RequestDelegate next, AdmissionGate admission, RunLimitGate runs, DecisionTokenReader tokens, TimeProvider time, GatewayMetrics metrics, IServiceProvider services, IAuditStore auditSink, IOptions<GatewayOptions> options)
    {
        _services = services;
        _withDecisionRecord = options.Value.Admission.WithDecisionRecord && auditSink is IAdmittingAuditStore;
        _next = next;
        _admission = admission;
        _runs = runs;
        _tokens = tokens;
        _time = time;
        _metrics = metrics;
    }

    public Task InvokeAsync(HttpContext context)
    {
        // Admitting completes without waiting almost always (a store call made here waits): then the next stage runs
        // from here, with no state machine of this stage's held across the rest of the walk.
        var admitting = context.GatewayRequest().Find<LocalAction>() is { } local ? AdmitLocalAsync(context, local) : AdmitAsync(context);
        return admitting.IsCompletedSuccessfully
            ? admitting.Result ? _next(context) : Task.CompletedTask
            : WalkOnceAdmittedAsync(admitting, context);
    }

    private async Task WalkOnceAdmittedAsync(ValueTask<bool> admitting, HttpContext context)
    {
        if (await admitting.ConfigureAwait(false))
        {
            await _next(context).ConfigureAwait(false);
        }
    }

    /// <summary>Admits the described action (its record, or its refusal, added); whether the walk goes on.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> AdmitAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var feature = context.GatewayRequest();
            var authenticated = feature.Get<AuthenticatedRequest>();
            var described = feature.Get<DescribedAction>();
            var tool = described.Request.Tool;
            if (RunRefusals.Ended(authenticated.Identity.Run?.Id, authenticated.Identity.Run?.End, tool) is { } ended)
            {
                // The run was cancelled (or ended) on some replica: nothing more is done in it, here either.
                feature.Add(ended);
                return false;
            }

            if (TokenScopeGate.Check(context, described, authenticated.Identity, tool) is { } scopeRefusal)
            {
                // A person's client whose consent lacks the scope this tool needs: it authorizes again, wider.
                feature.Add(scopeRefusal);
                return false;
            }

            // An evaluation (or a simulated action) executes nothing: a token presented on it is not used up.
            DecisionTokenPayload? evaluation = null;
            if (!described.DecideOnly && !described.Request.Simulate)
            {
                (evaluation, var refused) = PresentedEvaluation.Read(context.Request, _tokens, authenticated.Identity, described.Tenant.Digest, _time, tool);
                if (refused is not null)
                {
                    feature.Add(refused);
                    return false;
                }
            }

            var call = TokenBudgetGate.Estimate(described, authenticated.Body.Length);
            var (run, runRefusal) = _runs.Plan(described, authenticated.Identity, call);
            if (runRefusal is not null)
            {
                // The run has outlived its duration: refused on every replica alike, before anything is counted.
                feature.Add(runRefusal);
                return false;
            }

            var budget = TokenBudgetGate.ForAdmission(call, described.Tenant, authenticated.Identity);
            var plan = _admission.Plan(described.Tenant, authenticated.Identity, tool, budget, run, issuesToken: true, evaluation);
            Admission admission;
            if (_withDecisionRecord && run is null && evaluation is null && !described.DecideOnly && !described.Request.Simulate
                && _admission.Provisional(plan) is { } provisional)
            {
                // Decided on this replica's view of the agent; the store call goes with the decision record (Record).
                admission = provisional;
            }
            else
            {
                admission = await _admission.AdmitAsync(plan, context.RequestAborted).ConfigureAwait(false);
                if (admission.Verdict != AdmissionVerdict.Admitted)
                {
                    feature.Add(AdmissionRefusal.For(admission, tool));
                    return false;
                }
            }

            feature.Add(admission);
            if (await KindAdmissionAsync(context, feature, admission.Identity!).ConfigureAwait(false) is { } limited)
            {
                feature.Add(limited);
                return false;
            }
        }
        finally
        {
            _metrics.RecordStage(GatewayStage.Admit, started);
        }

        return true;
    }

    /// <summary>The route kind's own admission (<see cref="IRouteAdmission"/>: its limits), when it has one; null when admitted.</summary>
    private ValueTask<Refusal?> KindAdmissionAsync(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity) =>
        GatewayRouteKinds.NameOf(context.GetReverseProxyFeature().Route.Config) is { } kind && _services.GetKeyedService<IRouteAdmission>(kind) is { } admission
            ? admission.AdmitAsync(context, feature, identity)
            : ValueTask.FromResult<Refusal?>(null);

    /// <summary>A request the gateway serves itself (<see cref="LocalAction"/>): its one store call, as its kind says; whether the walk goes on.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> AdmitLocalAsync(HttpContext context, LocalAction local)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var feature = context.GatewayRequest();
            var (admitted, refused) = await LocalActionAdmission.AdmitAsync(_admission, local, feature.Get<AuthenticatedRequest>().Identity, context.RequestAborted).ConfigureAwait(false);
            if (refused is not null)
            {
                feature.Add(refused);
                return false;
            }

            feature.Add(admitted!);
            if (await KindAdmissionAsync(context, feature, admitted!.Identity!).ConfigureAwait(false) is { } limited)
            {
                feature.Add(limited);
                return false;
            }
        }
        finally
        {
            _metrics.RecordStage(GatewayStage.Admit, started);
        }

        return true;
    }
}
