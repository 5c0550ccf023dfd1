using System.Diagnostics;
using System.Text.Json;
using Gateway.Audit;
using Gateway.Oversight;
using Gateway.Oversight.Options;
using Gateway.Oversight.Runs;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Reservations;
using Gateway.Proxy.Telemetry;
using Gateway.Store;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Describes <c>POST /v1/runs</c>, the start of a run of the caller's registered agent: its body (bounded, no secret
/// material, <see cref="RunRequestReader.ReadStart"/>) and the parent run it names or acts in (read from the run store:
/// the agent's own, still active). A suspended agent starts none (<c>403 blocked</c>; so too one the bundle marks suspended
/// or retired, the lifecycle control's), a child bound to a run starts no
/// other and a parent run not the agent's is <c>403 run_foreign</c> (recorded without its id), an ended parent <c>409</c>
/// (recorded with who ended it), a parent past a limit <c>429 run_limit_exceeded</c> naming it
/// (<see cref="RunLimitUsage.ParentExhaustedAsync"/>, recorded in the parent's story). Allowed, the run (<see cref="RunStart"/>, its id and trace made here) is recorded
/// (<c>run_started</c>) before its local destination stores it.
/// </summary>
internal sealed class RunStartDescriber : RunRouteDescriber
{
    /// <summary>What runs are admitted and recorded as.</summary>
    public const string Tool = "run";

    private readonly TimeProvider _time;

    private readonly IStateStore _store;

    public RunStartDescriber(RunStore runs, TimeProvider time, IOptions<OversightOptions> options, Bundle.PolicyProvider policy, IStateStore store)
        : base(runs, options, policy) => (_time, _store) = (time, store);

    protected override async ValueTask<Refusal?> DescribeRunAsync(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity, ReadOnlyMemory<byte> body)
    {
        var (request, error) = RunRequestReader.ReadStart(body.Span);
        if (request is not null && request.ParentRun is { } named && identity.Run is { } carried && named != carried.Id)
        {
            // Naming another run than the one signed for is recorded, as naming a foreign run is (run_foreign).
            return RunBody.Malformed($"parent_run and {Connectors.Signing.SignatureHeaders.Run} name different runs.") with { AuditTool = Tool };
        }

        if (request is null)
        {
            return RunBody.Malformed(error);
        }

        if (RateLimitedAction(identity) is not { } admitted)
        {
            return Refusal.PolicyUnavailable();
        }

        var action = admitted with
        {
            WhenSuspended = Refused(identity, null, new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.Blocked,
                "The agent (or its agent, or its tenant) is suspended by an operator: it may not start a run.")),
        };
        if (DelegationDescriber.Inactive(admitted.Tenant!, identity, "start a run") is { } inactive)
        {
            feature.Add(action with { Refused = Refused(identity, null, inactive) });
            return null;
        }

        if (identity.Run is { FromGrant: true })
        {
            // A child bound to its run acts in that run only: it starts no other.
            feature.Add(action with { Refused = Refused(identity, null, RunRefusals.Foreign()) });
            return null;
        }

        // A sub-run: of the agent's own runs (the one the request carries, else read now), one still active, and one
        // whose limits are not used up (a sub-run's fresh counters are no way round its parent's).
        var parentId = request.ParentRun ?? identity.Run?.Id;
        string? rootId = null;
        if (parentId is not null)
        {
            var parent = identity.Run is { } run && run.Id == parentId ? run : await FindAsync(identity, parentId, context.RequestAborted).ConfigureAwait(false);
            rootId = parent?.LoopRun;
            if ((parent is null ? Refused(identity, null, RunRefusals.Foreign())
                : RunRefusals.Ended(parent.Id, parent.End, Tool) is { } ended ? Refused(identity, parent, ended)
                : await RunLimitUsage.ParentExhaustedAsync(_store, _time, admitted.Tenant!, identity.RegisteredAgent, parent.Agent, parent.Id, parent.Record.CreatedAt, context.RequestAborted).ConfigureAwait(false) is { } exhausted ? Refused(identity, parent, exhausted)
                : null) is { } refused)
            {
                feature.Add(action with { Refused = refused });
                return null;
            }
        }

        var record = Record(context, identity, request, parentId, rootId);
        feature.Add(new RunStart(record, TracesStart: record.ParentSpanId is null));
        feature.Add(action with
        {
            Entry = LocalEntry.Of(identity, "run_started", StatusCodes.Status201Created) with
            {
                RunId = record.Id,
                RunEvent = new AuditRunEvent { Type = "created", Detail = Created(record) },
            },
        });
        return null;
    }

    /// <summary>The run to store: its id, its parent and the root of its tree, its times, and its trace (the agent's own when it sent one, else the run's).</summary>
    private RunRecord Record(HttpContext context, AgentIdentity identity, RunStartRequest request, string? parentId, string? rootId)
    {
        var now = _time.GetUtcNow();
        var id = RunIds.New();
        var (traceId, parentSpan) = AgentTrace(context) is { } agentTrace
            ? (agentTrace.TraceId.ToHexString(), agentTrace.SpanId.ToHexString())
            : (RunTrace.TraceIdOf(id).ToHexString(), (string?)null);
        return new RunRecord
        {
            Id = id,
            Tenant = identity.Tenant,
            Workspace = identity.Workspace,
            Agent = identity.RegisteredAgent,
            StartedBy = identity.Agent,
            Framework = request.Framework,
            Purpose = request.Purpose,
            ParentRun = parentId,
            RootRun = rootId,
            CreatedAt = now,
            ExpiresAt = now + Runs.Retention,
            TraceId = traceId,
            ParentSpanId = parentSpan,
        };
    }

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
    internal static LocalRefusal Refused(AgentIdentity identity, RunBinding? run, Refusal refusal) =>
        new(refusal, LocalEntry.Refusing(identity, refusal) with { RunId = run?.Id, RunEndedBy = RunRefusals.IsEnded(refusal.Code) ? run?.End?.By : null });
}
