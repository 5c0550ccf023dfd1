using System.Diagnostics;
using System.Text.Json;
using Gateway.Connectors.Detection;
using Gateway.Oversight;
using Gateway.Oversight.Audit;
using Gateway.Oversight.Http;
using Gateway.Oversight.Options;
using Gateway.Oversight.Runs;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Telemetry;
using Gateway.Store;
using Microsoft.Extensions.Options;

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
/// (recorded with who ended it).
/// </summary>
internal sealed class RunHandler
{
    private const string Tool = "run";

    private readonly AdmissionGate _admission;
    private readonly RunStore _runs;
    private readonly AuditJournal _journal;
    private readonly TimeProvider _time;
    private readonly int _maxBodyBytes;
    private readonly RunTraceSampling _sampling;

    public RunHandler(AdmissionGate admission, RunStore runs, AuditJournal journal, TimeProvider time, IOptions<OversightOptions> options, RunTraceSampling sampling)
    {
        _sampling = sampling;
        _admission = admission;
        _runs = runs;
        _journal = journal;
        _time = time;
        _maxBodyBytes = options.Value.Runs.MaxEventBytes;
    }

    /// <summary><c>POST /v1/runs</c>.</summary>
    public Task StartAsync(HttpContext context) => HandleAsync(context, StartRunAsync);

    /// <summary><c>POST /v1/runs/{id}/events</c>.</summary>
    public Task RecordEventAsync(HttpContext context, string id) =>
        HandleAsync(context, (context, identity, body) => RecordEventAsync(context, identity, id, body));

    private async Task HandleAsync(HttpContext context, Func<HttpContext, AgentIdentity, ReadOnlyMemory<byte>, Task> handle)
    {
        var authenticated = context.GatewayRequest().Get<AuthenticatedRequest>();
        try
        {
            var admission = await _admission.AdmitAsync(null, authenticated.Identity, null, context.RequestAborted).ConfigureAwait(false);
            if (admission.Verdict != AdmissionVerdict.Admitted)
            {
                await RefusalResponse.WriteAsync(context, AdmissionRefusal.For(admission, tool: null)).ConfigureAwait(false);
                return;
            }

            var body = authenticated.Body;
            if (body.Length > _maxBodyBytes)
            {
                await RefusalResponse.WriteAsync(context, new Refusal(StatusCodes.Status413PayloadTooLarge, ProblemCodes.PayloadTooLarge,
                    $"The body exceeds {_maxBodyBytes} bytes.")).ConfigureAwait(false);
                return;
            }

            if (!body.IsEmpty && SecretMaterialDetector.Scan(body.Span) is [var finding, ..])
            {
                await RefusalResponse.WriteAsync(context, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.SecretMaterialInPayload,
                    $"The body carries secret material ({finding.KindName} at {finding.Path}); a run's records never hold one.")).ConfigureAwait(false);
                return;
            }

            await handle(context, admission.Identity!, body).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException)
        {
            await RefusalResponse.WriteAsync(context, Refusal.StoreUnavailable()).ConfigureAwait(false);
        }
        catch (AuditWriteException)
        {
            await RefusalResponse.WriteAsync(context, Refusal.AuditUnavailable()).ConfigureAwait(false);
        }
    }

    private async Task StartRunAsync(HttpContext context, AgentIdentity identity, ReadOnlyMemory<byte> body)
    {
        if (identity.Suspended)
        {
            await RefuseAsync(context, identity, null, new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.Blocked,
                "The agent (or its agent, or its tenant) is suspended by an operator: it may not start a run.")).ConfigureAwait(false);
            return;
        }

        if (identity.Run is { FromGrant: true })
        {
            // A child bound to its run acts in that run only: it starts no other.
            await RefuseAsync(context, identity, null, RunRefusals.Foreign()).ConfigureAwait(false);
            return;
        }

        var (request, error) = RunRequestReader.ReadStart(body.Span);
        if (request is not null && request.ParentRun is { } named && identity.Run is { } carried && named != carried.Id)
        {
            (request, error) = (null, $"parent_run and {Connectors.Signing.SignatureHeaders.Run} name different runs.");
        }

        if (request is null)
        {
            await RefusalResponse.WriteAsync(context, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, error)).ConfigureAwait(false);
            return;
        }

        // A sub-run: of the agent's own runs (the one the request carries, else read now), and one still active.
        var parentId = request.ParentRun ?? identity.Run?.Id;
        if (parentId is not null)
        {
            var parent = identity.Run is { } run && run.Id == parentId ? run : await FindAsync(identity, parentId, context.RequestAborted).ConfigureAwait(false);
            if (parent is null)
            {
                await RefuseAsync(context, identity, null, RunRefusals.Foreign()).ConfigureAwait(false);
                return;
            }

            if (RunRefusals.Ended(parent, Tool) is { } ended)
            {
                await RefuseAsync(context, identity, parent, ended).ConfigureAwait(false);
                return;
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

        // Recorded first: a run no record names is never started.
        await RecordAsync(context, identity, id, "run_started", StatusCodes.Status201Created, new AuditRunEvent { Type = "created", Detail = Created(record) }).ConfigureAwait(false);
        await _runs.CreateAsync(record, context.RequestAborted).ConfigureAwait(false);
        GatewayTelemetry.SetRun(context, id);
        if (parentSpan is null)
        {
            TraceStart(record);
        }
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Location = "/v1/runs/" + id;
        await Results.Json(RunInfo.Of(new RunState(record, null)), OversightJson.RunInfo, statusCode: StatusCodes.Status201Created).ExecuteAsync(context).ConfigureAwait(false);
    }

    private async Task RecordEventAsync(HttpContext context, AgentIdentity identity, string id, ReadOnlyMemory<byte> body)
    {
        // The run named by the path must be the one the request acts in (its header, a child's grant), and the agent's own.
        var run = identity.Run is { } carried
            ? carried.Id == id ? carried : null
            : RunIds.IsValid(id) ? await FindAsync(identity, id, context.RequestAborted).ConfigureAwait(false) : null;
        if (run is null)
        {
            await RefuseAsync(context, identity, null, RunRefusals.Foreign()).ConfigureAwait(false);
            return;
        }

        var (request, error) = RunRequestReader.ReadEvent(body.Span);
        if (request is null)
        {
            await RefusalResponse.WriteAsync(context, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, error)).ConfigureAwait(false);
            return;
        }

        var acknowledgesCancel = request.Type == RunStatuses.Cancelled && run.Status == RunStatuses.Cancelled;
        if (!acknowledgesCancel && RunRefusals.Ended(run, Tool) is { } ended)
        {
            await RefuseAsync(context, identity, run, ended).ConfigureAwait(false);
            return;
        }

        string? by = null;
        if (!acknowledgesCancel && request.Type is RunStatuses.Completed or RunStatuses.Failed or RunStatuses.Cancelled)
        {
            var (won, state) = await _runs.EndAsync(run.Record, new RunEnd(request.Type, RunEnd.ByAgent(identity.Agent), _time.GetUtcNow()), context.RequestAborted).ConfigureAwait(false);
            run = run with { End = state.End };
            if (!won)
            {
                // Another replica ended it first (an operator's cancel, say): that ending stands.
                await RefuseAsync(context, identity, run, RunRefusals.Ended(run, Tool)!).ConfigureAwait(false);
                return;
            }

            by = state.End!.By;
        }

        await RecordAsync(context, identity, id, "run_event", StatusCodes.Status200OK,
            new AuditRunEvent { Type = request.Type, Name = request.Name, Detail = request.Detail, By = by }).ConfigureAwait(false);
        await Results.Json(new RunEventRecorded(id, request.Type, run.Status), OversightJson.RunEventRecorded).ExecuteAsync(context).ConfigureAwait(false);
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

    /// <summary>Records <paramref name="refusal"/> (in <paramref name="run"/>'s story when it is the agent's own) and writes it.</summary>
    private async Task RefuseAsync(HttpContext context, AgentIdentity identity, RunBinding? run, Refusal refusal)
    {
        await AppendAsync(context, identity, run?.Id, "refused:" + refusal.Code, refusal.Status, null,
            RunRefusals.IsEnded(refusal.Code) ? run?.End?.By : null).ConfigureAwait(false);
        await RefusalResponse.WriteAsync(context, refusal).ConfigureAwait(false);
    }

    private ValueTask<AuditRecord> RecordAsync(HttpContext context, AgentIdentity identity, string runId, string decision, int status, AuditRunEvent runEvent) =>
        AppendAsync(context, identity, runId, decision, status, runEvent, null);

    private ValueTask<AuditRecord> AppendAsync(HttpContext context, AgentIdentity identity, string? runId, string decision, int status, AuditRunEvent? runEvent, string? endedBy) =>
        _journal.AppendAsync(AgentAuditEntry.Of(context, identity, Tool, decision, status) with { RunId = runId, RunEvent = runEvent, RunEndedBy = endedBy }, context.RequestAborted);
}
