using Gateway.Connectors.Vault;
using Gateway.Oversight;
using Gateway.Oversight.Audit;
using Gateway.Oversight.Delegations;
using Gateway.Oversight.Http;
using Gateway.Oversight.Runs;
using Gateway.Policy;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Store;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// <c>POST /v1/delegations</c>, signed by the parent (a registered agent, or a child allowed to delegate): issues a
/// short-lived child identity that only narrows the parent. The request is admitted like any (nonce, kill switches: a
/// suspended parent issues nothing; the registered agent's rate limits, and its delegation issuance window, which every
/// descendant's issuance counts against: 429 <c>delegation_rate_limited</c>), the grant checked against the parent's authority now and the tenant's delegation
/// settings (<see cref="DelegationCheck"/>: every widening named in one 403), then the child is stored in the shared
/// store, recorded in the audit chain and answered 201 with its id and secret, shown this once; or, when the parent registers a
/// public key for it, with its id and the key's fingerprint (no secret exists).
/// </summary>
internal sealed class DelegationHandler
{
    /// <summary>What issuances are recorded and rate-limited as.</summary>
    private const string Tool = "delegation";

    private readonly AdmissionGate _admission;
    private readonly PolicyProvider _policy;
    private readonly DelegationStore _delegations;
    private readonly EncryptionKeyRing _keys;
    private readonly AuditJournal _journal;
    private readonly TimeProvider _time;
    private readonly RunStore _runs;

    public DelegationHandler(AdmissionGate admission, PolicyProvider policy, DelegationStore delegations, EncryptionKeyRing keys, AuditJournal journal, TimeProvider time, RunStore runs)
    {
        _runs = runs;
        _admission = admission;
        _policy = policy;
        _delegations = delegations;
        _keys = keys;
        _journal = journal;
        _time = time;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var authenticated = context.GatewayRequest().Get<AuthenticatedRequest>();
        var identity = authenticated.Identity;
        try
        {
            await IssueAsync(context, identity, authenticated.Body).ConfigureAwait(false);
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

    private async Task IssueAsync(HttpContext context, AgentIdentity identity, ReadOnlyMemory<byte> body)
    {
        // Issuing counts against the registered agent's rate limits and its own issuance window, whichever descendant
        // issues: a chain of children mints identities no faster than its agent may.
        var policy = _policy.Current?.Set.TryGetTenant(identity.Tenant, out var inForce) is true ? inForce : null;
        var admission = await _admission.AdmitIssuanceAsync(policy, identity, Tool, policy?.Register.Delegation ?? DelegationSettings.Default, context.RequestAborted).ConfigureAwait(false);
        if (admission.Verdict == AdmissionVerdict.RateLimited)
        {
            await RefuseAsync(context, identity, admission.Scope == AdmissionGate.IssuanceScope
                ? IssuanceLimited(admission.RetryAfter)
                : AdmissionRefusal.For(admission, Tool)).ConfigureAwait(false);
            return;
        }

        if (admission.Verdict != AdmissionVerdict.Admitted)
        {
            await RefusalResponse.WriteAsync(context, AdmissionRefusal.For(admission, tool: null)).ConfigureAwait(false);
            return;
        }

        if (admission.Identity!.Suspended)
        {
            await RefuseAsync(context, identity, new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.DelegatorSuspended,
                "The agent (or its agent, or its tenant) is suspended by an operator: it may not delegate.")).ConfigureAwait(false);
            return;
        }

        if (RunRefusals.Ended(identity.Run, "delegation") is { } ended)
        {
            // Nothing more is done in a run that has ended: no child is issued in it either.
            await RefuseAsync(context, identity, ended).ConfigureAwait(false);
            return;
        }

        var (asked, error) = DelegationRequestReader.Read(body.Span);
        if (asked is null)
        {
            await RefusalResponse.WriteAsync(context, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, error)).ConfigureAwait(false);
            return;
        }

        if (await BindRunAsync(context, identity, asked.Grant).ConfigureAwait(false) is not { } request)
        {
            return;
        }

        if (policy is not { } tenant)
        {
            await RefusalResponse.WriteAsync(context, Refusal.PolicyUnavailable()).ConfigureAwait(false);
            return;
        }

        var parent = identity.Delegation?.Record;
        var now = _time.GetUtcNow();
        var authority = DelegationAuthority.Of(tenant, identity.Agent, identity.Delegation?.Scope, parent?.ExpiresAt, parent?.Depth ?? 0, parent?.MayDelegate ?? true);
        if (authority is null)
        {
            await RefusalResponse.WriteAsync(context, new Refusal(StatusCodes.Status401Unauthorized, ProblemCodes.UnknownAgent, "The tenant, workspace or agent is not registered.")).ConfigureAwait(false);
            return;
        }

        var checkedGrant = DelegationCheck.Evaluate(authority, request, tenant.Register.Delegation, now);
        if (checkedGrant.Scope is not { } scope)
        {
            await RefuseAsync(context, identity, Widened(checkedGrant.Widenings)).ConfigureAwait(false);
            return;
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

        // Recorded first: a child no record names is never issued.
        await RecordAsync(context, identity, "delegation_issued", StatusCodes.Status201Created, record.Chain, identity.Run?.Id ?? (RunIds.IsValid(record.RunId) ? record.RunId : null)).ConfigureAwait(false);
        await _delegations.CreateAsync(record, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Location = "/v1/delegations/" + id;
        await Results.Json(new DelegationIssued(record.Tenant, record.Workspace, id, secret, record.Info()), OversightJson.DelegationIssued, statusCode: StatusCodes.Status201Created)
            .ExecuteAsync(context).ConfigureAwait(false);
    }

    /// <summary>
    /// The grant with the run it binds the child to, or null after a refusal (written and recorded). A <c>run_id</c> of a
    /// run id's form binds the child to that run, which must be an active run of the parent's registered agent; a child
    /// bound to a run can only issue children bound to it (named or not). Any other <c>run_id</c> is a label, as before runs.
    /// </summary>
    private async ValueTask<DelegationGrantRequest?> BindRunAsync(HttpContext context, AgentIdentity identity, DelegationGrantRequest request)
    {
        if (RunAuthentication.BoundRun(identity) is { } parentRun)
        {
            if (request.RunId is not null && request.RunId != parentRun)
            {
                await RefuseAsync(context, identity, RunRefusals.Foreign()).ConfigureAwait(false);
                return null;
            }

            return request with { RunId = parentRun };
        }

        if (!RunIds.IsValid(request.RunId))
        {
            return request;
        }

        var run = identity.Run is { } carried && carried.Id == request.RunId
            ? carried
            : await _runs.FindAsync(identity.Tenant, identity.RegisteredAgent, request.RunId!, context.RequestAborted).ConfigureAwait(false) is { } state
                ? new RunBinding(state.Record, state.End)
                : null;
        var refusal = run is null ? RunRefusals.Foreign() : RunRefusals.Ended(run, "delegation");
        if (refusal is not null)
        {
            await RefuseAsync(context, identity, refusal, run).ConfigureAwait(false);
            return null;
        }

        return request;
    }

    /// <summary>The 429 for an issuance beyond the registered agent's window (<c>delegation.issuance_limit</c>).</summary>
    private static Refusal IssuanceLimited(TimeSpan retryAfter) =>
        new(StatusCodes.Status429TooManyRequests, ProblemCodes.DelegationRateLimited,
            "The registered agent's delegation issuance limit is used up for this window (its children's issuances count too); retry after it resets.")
        {
            RetryAfter = retryAfter,
            AuditTool = Tool,
            Members = writer => writer.WriteString("scope"u8, AdmissionGate.IssuanceScope),
        };

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

    private async Task RefuseAsync(HttpContext context, AgentIdentity identity, Refusal refusal, RunBinding? run = null)
    {
        run ??= identity.Run;
        await RecordAsync(context, identity, "refused:" + refusal.Code, refusal.Status, identity.ChainLinks, run?.Id,
            RunRefusals.IsEnded(refusal.Code) ? run?.End?.By : null).ConfigureAwait(false);
        await RefusalResponse.WriteAsync(context, refusal).ConfigureAwait(false);
    }

    private ValueTask<AuditRecord> RecordAsync(HttpContext context, AgentIdentity identity, string decision, int status, IReadOnlyList<ActorLink>? chain, string? runId = null, string? runEndedBy = null) =>
        _journal.AppendAsync(AgentAuditEntry.Of(context, identity, Tool, decision, status) with { ActorChain = chain, RunId = runId, RunEndedBy = runEndedBy }, context.RequestAborted);
}
