using Gateway.Audit;
using Gateway.Connectors.Vault;
using Gateway.Oversight;
using Gateway.Oversight.Delegations;
using Gateway.Oversight.Runs;
using Gateway.Policy;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// <c>POST /v1/delegations</c>, signed by the parent (a registered agent, or a child allowed to delegate): issues a
/// short-lived child identity that only narrows the parent. The request is admitted like any (nonce, kill switches: a
/// suspended parent issues nothing; the registered agent's rate limits, and its delegation issuance window, which every
/// descendant's issuance counts against: 429 <c>delegation_rate_limited</c>), the grant checked against the parent's authority now and the tenant's delegation
/// settings (<see cref="DelegationCheck"/>: every widening named in one 403), then the child is stored in the shared
/// store, recorded in the audit chain and answered 201 with its id and secret, shown this once; or, when the parent registers a
/// public key for it, with its id and the key's fingerprint (no secret exists). The handler decides; the walk
/// (<see cref="AgentRouteWalk"/>) admits (<see cref="AgentRouteAdmission"/>), records, stores and answers.
/// </summary>
internal sealed class DelegationHandler
{
    /// <summary>What issuances are recorded as.</summary>
    private const string Tool = AgentRouteAdmission.DelegationTool;

    private readonly PolicyProvider _policy;
    private readonly DelegationStore _delegations;
    private readonly EncryptionKeyRing _keys;
    private readonly TimeProvider _time;
    private readonly RunStore _runs;

    public DelegationHandler(PolicyProvider policy, DelegationStore delegations, EncryptionKeyRing keys, TimeProvider time, RunStore runs)
    {
        _runs = runs;
        _policy = policy;
        _delegations = delegations;
        _keys = keys;
        _time = time;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var feature = context.GatewayRequest();
        var authenticated = feature.Get<AuthenticatedRequest>();
        feature.Add(await IssueAsync(context, authenticated.Identity, feature.Get<Admission>().Identity!, authenticated.Body).ConfigureAwait(false));
    }

    private async ValueTask<AgentRouteOutcome> IssueAsync(HttpContext context, AgentIdentity identity, AgentIdentity admitted, ReadOnlyMemory<byte> body)
    {
        if (admitted.Suspended)
        {
            return Refused(context, identity, new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.DelegatorSuspended,
                "The agent (or its agent, or its tenant) is suspended by an operator: it may not delegate."));
        }

        if (RunRefusals.Ended(identity.Run?.Id, identity.Run?.End, "delegation") is { } ended)
        {
            // Nothing more is done in a run that has ended: no child is issued in it either.
            return Refused(context, identity, ended);
        }

        var (asked, error) = DelegationRequestReader.Read(body.Span);
        if (asked is null)
        {
            return AgentRouteOutcome.Refused(new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, error));
        }

        var (bound, runRefused) = await BindRunAsync(context, identity, asked.Grant).ConfigureAwait(false);
        if (runRefused is not null || bound is not { } request)
        {
            return runRefused!;
        }

        if (_policy.Current?.Set.TryGetTenant(identity.Tenant, out var inForce) is not true || inForce is not { } tenant)
        {
            return AgentRouteOutcome.Refused(Refusal.PolicyUnavailable());
        }

        var parent = identity.Delegation?.Record;
        var now = _time.GetUtcNow();
        var authority = DelegationAuthority.Of(tenant, identity.Agent, identity.Delegation?.Scope, parent?.ExpiresAt, parent?.Depth ?? 0, parent?.MayDelegate ?? true);
        if (authority is null)
        {
            return AgentRouteOutcome.Refused(new Refusal(StatusCodes.Status401Unauthorized, ProblemCodes.UnknownAgent, "The tenant, workspace or agent is not registered."));
        }

        var checkedGrant = DelegationCheck.Evaluate(authority, request, tenant.Register.Delegation, now);
        if (checkedGrant.Scope is not { } scope)
        {
            return Refused(context, identity, Widened(checkedGrant.Widenings));
        }

        var id = DelegationIds.New();
        string? secret = null, envelope = null;
        DelegatedPublicKey? publicKey = null;
        if (asked.PublicKey is { } key)
        {
            // Registered with a public key: no secret is minted; the child signs with RFC 9421, its keyid its own id.
            publicKey = new DelegatedPublicKey(key.Algorithm, Convert.ToBase64String(key.SubjectPublicKeyInfo), new Security.AgentKey(key.For(id)).Fingerprint);
        }
        else
        {
            (secret, envelope) = DelegationSecrets.Issue(_keys, identity.Tenant, id);
        }

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
            SecretEnvelope = envelope,
            PublicKey = publicKey,
        };

        // Recorded first (by the walk's Record), then stored: a child no record names is never issued.
        return AgentRouteOutcome.Allowed(
            Results.Json(new DelegationIssued(record.Tenant, record.Workspace, id, secret, record.Info()), OversightJson.DelegationIssued, statusCode: StatusCodes.Status201Created),
            Entry(context, identity, "delegation_issued", StatusCodes.Status201Created, record.Chain, identity.Run?.Id ?? (RunIds.IsValid(record.RunId) ? record.RunId : null)),
            async cancellationToken => await _delegations.CreateAsync(record, cancellationToken).ConfigureAwait(false),
            location: "/v1/delegations/" + id,
            noStore: true);
    }

    /// <summary>
    /// The grant with the run it binds the child to, or the (recorded) refusal. A <c>run_id</c> of a run id's form binds
    /// the child to that run, which must be an active run of the parent's registered agent; a child bound to a run can
    /// only issue children bound to it (named or not). Any other <c>run_id</c> is a label, as before runs.
    /// </summary>
    private async ValueTask<(DelegationGrantRequest? Request, AgentRouteOutcome? Refused)> BindRunAsync(HttpContext context, AgentIdentity identity, DelegationGrantRequest request)
    {
        if (RunAuthentication.BoundRun(identity) is { } parentRun)
        {
            return request.RunId is not null && request.RunId != parentRun
                ? (null, Refused(context, identity, RunRefusals.Foreign()))
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
        var refusal = run is null ? RunRefusals.Foreign() : RunRefusals.Ended(run.Id, run.End, "delegation");
        return refusal is not null ? (null, Refused(context, identity, refusal, run)) : (request, null);
    }

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
    private static AgentRouteOutcome Refused(HttpContext context, AgentIdentity identity, Refusal refusal, RunBinding? run = null)
    {
        run ??= identity.Run;
        return AgentRouteOutcome.Refused(refusal, Entry(context, identity, "refused:" + refusal.Code, refusal.Status, identity.ChainLinks, run?.Id,
            RunRefusals.IsEnded(refusal.Code) ? run?.End?.By : null));
    }

    private static AuditEntry Entry(HttpContext context, AgentIdentity identity, string decision, int status, IReadOnlyList<ActorLink>? chain, string? runId = null, string? runEndedBy = null) =>
        AgentAuditEntry.Of(context, identity, Tool, decision, status) with { ActorChain = chain, RunId = runId, RunEndedBy = runEndedBy };
}
