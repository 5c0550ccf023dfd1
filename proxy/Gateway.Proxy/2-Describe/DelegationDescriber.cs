using Gateway.Oversight;
using Gateway.Oversight.Delegations;
using Gateway.Oversight.Runs;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Describes <c>POST /v1/delegations</c>, signed by the parent (a registered agent, or a child allowed to delegate): a
/// short-lived child identity that only narrows the parent. Admitted against the registered agent's rate limits and its
/// delegation issuance window (every descendant's issuance counts against it); a suspended parent issues nothing
/// (<c>403 delegator_suspended</c>), nor one whose registered agent the bundle marks suspended or retired (<c>403 blocked</c>,
/// the lifecycle control's); nothing is issued in a run that has ended, nor bound to a run not the parent's own
/// and active; the grant is checked against the parent's authority now and the tenant's delegation settings
/// (<see cref="DelegationCheck"/>: every widening named in one 403). Each of those refusals is recorded with the parent's
/// chain and the run it names. Allowed, the child (<see cref="DelegationIssue"/>) is recorded (<c>delegation_issued</c>)
/// before its local destination mints its secret and stores it.
/// </summary>
internal sealed class DelegationDescriber : IRouteDescriber
{
    /// <summary>What issuances are admitted and recorded as.</summary>
    public const string Tool = "delegation";

    private readonly PolicyProvider _policy;
    private readonly DelegationStore _delegations;
    private readonly TimeProvider _time;
    private readonly RunStore _runs;

    public DelegationDescriber(PolicyProvider policy, DelegationStore delegations, TimeProvider time, RunStore runs)
    {
        _policy = policy;
        _delegations = delegations;
        _time = time;
        _runs = runs;
    }

    public async ValueTask<(DescribedAction? Action, Refusal? Refusal)> DescribeAsync(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated)
    {
        var identity = authenticated.Identity;
        var (asked, error) = DelegationRequestReader.Read(authenticated.Body.Span);
        if (asked is null)
        {
            return (null, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, error) { AuditTool = Tool });
        }

        if (_policy.TenantOf(identity) is not { } tenant)
        {
            return (null, Refusal.PolicyUnavailable());
        }

        var action = new LocalAction(Tool, LocalAdmission.DelegationIssuance)
        {
            Tenant = tenant,
            WhenSuspended = Refused(identity, new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.DelegatorSuspended,
                "The agent (or its agent, or its tenant) is suspended by an operator: it may not delegate.")),
        };
        var (request, refused) = Inactive(tenant, identity, "issue a delegated child") is { } inactive
            ? (null, Refused(identity, inactive)) // The parent's authority is its registered agent's, which the bundle has stopped.
            : RunRefusals.Ended(identity.Run?.Id, identity.Run?.End, Tool) is { } ended
            ? (null, Refused(identity, ended)) // Nothing more is done in a run that has ended: no child is issued in it either.
            : await BindRunAsync(context, identity, asked.Grant).ConfigureAwait(false);
        if (refused is not null || request is null)
        {
            feature.Add(action with { Refused = refused });
            return (null, null);
        }

        var parent = identity.Delegation?.Record;
        var now = _time.GetUtcNow();
        var authority = DelegationAuthority.Of(tenant, identity.Agent, identity.Delegation?.Scope, parent?.ExpiresAt, parent?.Depth ?? 0, parent?.MayDelegate ?? true);
        if (authority is null)
        {
            return (null, new Refusal(StatusCodes.Status401Unauthorized, ProblemCodes.UnknownAgent, "The tenant, workspace or agent is not registered.") { AuditTool = Tool });
        }

        var checkedGrant = DelegationCheck.Evaluate(authority, request, tenant.Register.Delegation, now);
        if (checkedGrant.Scope is not { } scope)
        {
            feature.Add(action with { Refused = Refused(identity, Widened(checkedGrant.Widenings)) });
            return (null, null);
        }

        var id = DelegationIds.New();
        var record = new DelegationRecord
        {
            Id = id,
            Tenant = identity.Tenant,
            Workspace = identity.Workspace,
            Name = request.Name,
            Parent = identity.Agent,
            Chain = identity.Chain.Delegate(new ActorLink(ActorKind.Delegate, id) { Name = request.Name, RunId = request.RunId }).Links,
            Permissions = [.. scope.Permissions.Select(static p => new DelegatedTool(p.Tool, p.ActionTypes))],
            AtfLevel = scope.AtfLevel,
            DataClassCeiling = scope.DataClassCeiling,
            RunId = request.RunId,
            MayDelegate = request.MayDelegate,
            Depth = checkedGrant.Depth,
            CreatedAt = now,
            ExpiresAt = checkedGrant.ExpiresAt,
            Generation = parent?.Generation ?? await _delegations.GenerationAsync(identity.Tenant, identity.Agent, context.RequestAborted).ConfigureAwait(false),
            IssuerSecretFingerprint = parent is null ? identity.SecretFingerprint : parent.IssuerSecretFingerprint,
            // Registered with a public key: no secret is minted; the child signs with RFC 9421, its keyid its own id.
            PublicKey = asked.PublicKey is { } key
                ? new DelegatedPublicKey(key.Algorithm, Convert.ToBase64String(key.SubjectPublicKeyInfo), new Security.AgentKey(key.For(id)).Fingerprint)
                : null,
        };
        feature.Add(new DelegationIssue(record));
        feature.Add(action with
        {
            Entry = LocalEntry.Of(identity, "delegation_issued", StatusCodes.Status201Created) with
            {
                ActorChain = record.Chain,
                RunId = identity.Run?.Id ?? (RunIds.IsValid(record.RunId) ? record.RunId : null),
            },
        });
        return (null, null);
    }

    /// <summary>
    /// The grant with the run it binds the child to, or the (recorded) refusal. A <c>run_id</c> of a run id's form binds
    /// the child to that run, which must be an active run of the parent's registered agent; a child bound to a run can
    /// only issue children bound to it (named or not). Any other <c>run_id</c> is a label, as before runs.
    /// </summary>
    private async ValueTask<(DelegationGrantRequest? Request, LocalRefusal? Refused)> BindRunAsync(HttpContext context, AgentIdentity identity, DelegationGrantRequest request)
    {
        if (identity.Delegation?.Record.RunId is { } parentRun && RunIds.IsValid(parentRun))
        {
            return request.RunId is not null && request.RunId != parentRun
                ? (null, Refused(identity, RunRefusals.Foreign()))
                : (request with { RunId = parentRun }, null);
        }

        if (!RunIds.IsValid(request.RunId))
        {
            return (request, null);
        }

        var run = identity.Run is { } carried && carried.Id == request.RunId
            ? carried
            : await _runs.FindAsync(identity.Tenant, identity.RegisteredAgent, request.RunId!, context.RequestAborted).ConfigureAwait(false) is { } state
                ? new RunBinding(state.Record, state.End)
                : null;
        var refusal = run is null ? RunRefusals.Foreign() : RunRefusals.Ended(run.Id, run.End, Tool);
        return refusal is not null ? (null, Refused(identity, refusal, run)) : (request, null);
    }

    /// <summary>
    /// The 403 <c>blocked</c> of the lifecycle control when the bundle marks the caller's registered agent suspended or
    /// retired: such an agent may not <paramref name="doing"/>. Null while it is active.
    /// </summary>
    internal static Refusal? Inactive(TenantPolicy tenant, AgentIdentity identity, string doing) =>
        tenant.TryGetAgent(identity.RegisteredAgent, out var agent) && agent is { Lifecycle: not AgentLifecycle.Active }
            ? new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.Blocked,
                $"The agent '{agent.Id}' is {WireNames.Of(agent.Lifecycle)} in the policy bundle (lifecycle control): it may not {doing}.")
            : null;

    /// <summary>The 403 naming every way the grant asked beyond the parent, each also as a <c>widenings</c> member.</summary>
    private static Refusal Widened(IReadOnlyList<DelegationWidening> widenings) =>
        new(StatusCodes.Status403Forbidden, ProblemCodes.DelegationWidensAuthority,
            "The delegation would widen the parent's authority: " + string.Join("; ", widenings.Select(static w => w.Detail)) + ".")
        {
            Members = writer =>
            {
                writer.WriteStartArray("widenings"u8);
                foreach (var widening in widenings)
                {
                    writer.WriteStartObject();
                    writer.WriteString("kind"u8, widening.Kind);
                    writer.WriteString("detail"u8, widening.Detail);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            },
        };

    /// <summary><paramref name="refusal"/>, recorded with the parent's chain and the run it names (who ended it, when it has ended).</summary>
    private static LocalRefusal Refused(AgentIdentity identity, Refusal refusal, RunBinding? run = null)
    {
        run ??= identity.Run;
        return new(refusal, LocalEntry.Refusing(identity, refusal) with { RunId = run?.Id, RunEndedBy = RunRefusals.IsEnded(refusal.Code) ? run?.End?.By : null });
    }
}
