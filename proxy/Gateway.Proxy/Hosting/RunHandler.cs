using System.Diagnostics;
using System.Text.Json;
using Gateway.Audit;
using Gateway.Oversight;
using Gateway.Oversight.Runs;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Telemetry;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// The run routes, signed like every request and admitted like any (nonce, kill switches):
/// <list type="bullet">
/// <item><c>POST /v1/runs</c> starts a run of the caller's registered agent (a suspended agent starts none; a child bound to
/// a run starts no other; a parent run must be the agent's own and active), recorded in the audit chain first
/// (<c>run_started</c>), then stored (<see cref="RunStore"/>) and answered 201 with its id and trace.</item>
/// <item><c>POST /v1/runs/{id}/events</c> takes one lifecycle event of the agent's own run (started, step, completed,
/// failed, cancelled; bounded by <c>Gateway:Runs:MaxEventBytes</c>, no secret material), recorded in order in the audit
/// chain (<c>run_event</c>); completed, failed and cancelled end the run on every replica (the first ending wins). A
/// cancelled run takes only its agent's own <c>cancelled</c> acknowledgement.</item>
/// </list>
/// A run that is not the agent's is <c>403 run_foreign</c> (recorded without its id), one that has ended <c>409</c>
/// (recorded with who ended it). The handler decides; the walk (<see cref="AgentRouteWalk"/>) admits, records, stores and answers.
/// </summary>
internal sealed class RunHandler
{
    private const string Tool = "run";

    private readonly RunStore _runs;
    private readonly TimeProvider _time;
    private readonly RunTraceSampling _sampling;

    public RunHandler(RunStore runs, TimeProvider time, RunTraceSampling sampling)
    {
        _sampling = sampling;
        _runs = runs;
        _time = time;
    }

    /// <summary><c>POST /v1/runs</c>.</summary>
    public async Task StartAsync(HttpContext context)
    {
        var feature = context.GatewayRequest();
        feature.Add(await StartRunAsync(context, feature.Get<Admission>().Identity!, feature.Get<AuthenticatedRequest>().Body).ConfigureAwait(false));
    }

    /// <summary><c>POST /v1/runs/{id}/events</c>.</summary>
    public async Task RecordEventAsync(HttpContext context, string id)
    {
        var feature = context.GatewayRequest();
        feature.Add(await RecordEventAsync(context, feature.Get<Admission>().Identity!, id, feature.Get<AuthenticatedRequest>().Body).ConfigureAwait(false));
    }

    private async ValueTask<AgentRouteOutcome> StartRunAsync(HttpContext context, AgentIdentity identity, ReadOnlyMemory<byte> body)
    {
        if (identity.Suspended)
        {
            return Refused(context, identity, null, new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.Blocked,
                "The agent (or its agent, or its tenant) is suspended by an operator: it may not start a run."));
        }

        if (identity.Run is { FromGrant: true })
        {
            // A child bound to its run acts in that run only: it starts no other.
            return Refused(context, identity, null, RunRefusals.Foreign());
        }

        var (request, error) = RunRequestReader.ReadStart(body.Span);
        if (request is not null && request.ParentRun is { } named && identity.Run is { } carried && named != carried.Id)
        {
            (request, error) = (null, $"parent_run and {Connectors.Signing.SignatureHeaders.Run} name different runs.");
        }

        if (request is null)
        {
            return AgentRouteOutcome.Refused(new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, error));
        }

        // A sub-run: of the agent's own runs (the one the request carries, else read now), and one still active.
        var parentId = request.ParentRun ?? identity.Run?.Id;
        if (parentId is not null)
        {
            var parent = identity.Run is { } run && run.Id == parentId ? run : await FindAsync(identity, parentId, context.RequestAborted).ConfigureAwait(false);
            if (parent is null)
            {
                return Refused(context, identity, null, RunRefusals.Foreign());
            }

            if (RunRefusals.Ended(parent.Id, parent.End, Tool) is { } ended)
            {
                return Refused(context, identity, parent, ended);
            }
        }

        var now = _time.GetUtcNow();
        var id = RunIds.New();
        var (traceId, parentSpan) = AgentTrace(context) is { } agentTrace
            ? (agentTrace.TraceId.ToHexString(), agentTrace.SpanId.ToHexString())
            : (RunTrace.TraceIdOf(id).ToHexString(), (string?)null);
        var record = new RunRecord
        {
            Id = id,
            Tenant = identity.Tenant,
            Workspace = identity.Workspace,
            Agent = identity.RegisteredAgent,
            StartedBy = identity.Agent,
            Framework = request.Framework,
            Purpose = request.Purpose,
            ParentRun = parentId,
            CreatedAt = now,
            ExpiresAt = now + _runs.Retention,
            TraceId = traceId,
            ParentSpanId = parentSpan,
        };

        // Recorded first (by the walk's Record), then stored: a run no record names is never started.
        return AgentRouteOutcome.Allowed(
            Results.Json(RunInfo.Of(new RunState(record, null)), OversightJson.RunInfo, statusCode: StatusCodes.Status201Created),
            Entry(context, identity, id, "run_started", StatusCodes.Status201Created, new AuditRunEvent { Type = "created", Detail = Created(record) }, null),
            async cancellationToken =>
            {
                await _runs.CreateAsync(record, cancellationToken).ConfigureAwait(false);
                GatewayTelemetry.SetRun(context, id);
                if (parentSpan is null)
                {
                    TraceStart(record);
                }
            },
            location: "/v1/runs/" + id,
            noStore: true);
    }

    private async ValueTask<AgentRouteOutcome> RecordEventAsync(HttpContext context, AgentIdentity identity, string id, ReadOnlyMemory<byte> body)
    {
        // The run named by the path must be the one the request acts in (its header, a child's grant), and the agent's own.
        var run = identity.Run is { } carried
            ? carried.Id == id ? carried : null
            : RunIds.IsValid(id) ? await FindAsync(identity, id, context.RequestAborted).ConfigureAwait(false) : null;
        if (run is null)
        {
            return Refused(context, identity, null, RunRefusals.Foreign());
        }

        var (request, error) = RunRequestReader.ReadEvent(body.Span);
        if (request is null)
        {
            return AgentRouteOutcome.Refused(new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, error));
        }

        var acknowledgesCancel = request.Type == RunStatuses.Cancelled && run.Status == RunStatuses.Cancelled;
        if (!acknowledgesCancel && RunRefusals.Ended(run.Id, run.End, Tool) is { } ended)
        {
            return Refused(context, identity, run, ended);
        }

        string? by = null;
        if (!acknowledgesCancel && request.Type is RunStatuses.Completed or RunStatuses.Failed or RunStatuses.Cancelled)
        {
            var (won, state) = await _runs.EndAsync(run.Record, new RunEnd(request.Type, RunEnd.ByAgent(identity.Agent), _time.GetUtcNow()), context.RequestAborted).ConfigureAwait(false);
            run = run with { End = state.End };
            if (!won)
            {
                // Another replica ended it first (an operator's cancel, say): that ending stands.
                return Refused(context, identity, run, RunRefusals.Ended(run.Id, run.End, Tool)!);
            }

            by = state.End!.By;
        }

        return AgentRouteOutcome.Allowed(
            Results.Json(new RunEventRecorded(id, request.Type, run.Status), OversightJson.RunEventRecorded),
            Entry(context, identity, id, "run_event", StatusCodes.Status200OK, new AuditRunEvent { Type = request.Type, Name = request.Name, Detail = request.Detail, By = by }, null));
    }

    /// <summary>The run's start as a span of the run's own trace, linked to the request that started it (<c>gateway.run</c>).</summary>
    private void TraceStart(RunRecord run)
    {
        var links = Activity.Current is { } request ? new[] { new ActivityLink(request.Context) } : null;
        using var span = GatewayActivitySource.Source.StartActivity(GatewayActivitySource.RunSpan, ActivityKind.Internal, RunTrace.ContextOf(run.Id, _sampling.IsSampled(run.Id)), links: links);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(GatewaySpanAttributes.Tenant, run.Tenant);
            span.SetTag(GatewaySpanAttributes.Agent, run.StartedBy);
            span.SetTag(GatewaySpanAttributes.Run, run.Id);
        }
    }

    private async ValueTask<RunBinding?> FindAsync(AgentIdentity identity, string id, CancellationToken cancellationToken) =>
        await _runs.FindAsync(identity.Tenant, identity.RegisteredAgent, id, cancellationToken).ConfigureAwait(false) is { } state
            ? new RunBinding(state.Record, state.End)
            : null;

    /// <summary>The agent's own trace, when it sent a valid W3C <c>traceparent</c>.</summary>
    private static ActivityContext? AgentTrace(HttpContext context) =>
        context.Request.Headers.TraceParent is [{ } traceParent]
        && ActivityContext.TryParse(traceParent, context.Request.Headers.TraceState.FirstOrDefault(), isRemote: true, out var parsed)
            ? parsed
            : null;

    /// <summary>The run's start as its record's detail: framework, purpose and parent run, as given.</summary>
    private static JsonElement Created(RunRecord run)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            Optional(writer, "framework", run.Framework);
            Optional(writer, "parent_run", run.ParentRun);
            Optional(writer, "purpose", run.Purpose);
            writer.WriteString("started_by"u8, run.StartedBy);
            writer.WriteString("trace_id"u8, run.TraceId);
            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();

        static void Optional(Utf8JsonWriter writer, string name, string? value)
        {
            if (value is not null)
            {
                writer.WriteString(name, value);
            }
        }
    }

    /// <summary><paramref name="refusal"/>, recorded (in <paramref name="run"/>'s story when it is the agent's own).</summary>
    private static AgentRouteOutcome Refused(HttpContext context, AgentIdentity identity, RunBinding? run, Refusal refusal) =>
        AgentRouteOutcome.Refused(refusal, Entry(context, identity, run?.Id, "refused:" + refusal.Code, refusal.Status, null,
            RunRefusals.IsEnded(refusal.Code) ? run?.End?.By : null));

    private static AuditEntry Entry(HttpContext context, AgentIdentity identity, string? runId, string decision, int status, AuditRunEvent? runEvent, string? endedBy) =>
        AgentAuditEntry.Of(context, identity, Tool, decision, status) with { RunId = runId, RunEvent = runEvent, RunEndedBy = endedBy };
}
