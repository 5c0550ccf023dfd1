using Gateway.Connectors.Vault;
using Gateway.Oversight;
using Gateway.Oversight.Audit;
using Gateway.Oversight.Delegations;
using Gateway.Oversight.Http;
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
/// suspended parent issues nothing), the grant checked against the parent's authority now and the tenant's delegation
/// settings (<see cref="DelegationCheck"/>: every widening named in one 403), then the child is stored in the shared
/// store, recorded in the audit chain and answered 201 with its id and secret, shown this once; or, when the parent registers a
/// public key for it, with its id and the key's fingerprint (no secret exists).
/// </summary>
internal sealed class DelegationHandler
{
    private readonly AdmissionGate _admission;
    private readonly PolicyProvider _policy;
    private readonly DelegationStore _delegations;
    private readonly EncryptionKeyRing _keys;
    private readonly AuditJournal _journal;
    private readonly TimeProvider _time;

    public DelegationHandler(AdmissionGate admission, PolicyProvider policy, DelegationStore delegations, EncryptionKeyRing keys, AuditJournal journal, TimeProvider time)
    {
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
        var admission = await _admission.AdmitAsync(null, identity, null, context.RequestAborted).ConfigureAwait(false);
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

        var (asked, error) = DelegationRequestReader.Read(body.Span);
        if (asked is null)
        {
            await RefusalResponse.WriteAsync(context, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, error)).ConfigureAwait(false);
            return;
        }

        if (_policy.Current?.Set.TryGetTenant(identity.Tenant, out var tenant) is not true || tenant is null)
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

        var request = asked.Grant;
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
        await RecordAsync(context, identity, "delegation_issued", StatusCodes.Status201Created, record.Chain).ConfigureAwait(false);
        await _delegations.CreateAsync(record, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Location = "/v1/delegations/" + id;
        await Results.Json(new DelegationIssued(record.Tenant, record.Workspace, id, secret, record.Info()), OversightJson.DelegationIssued, statusCode: StatusCodes.Status201Created)
            .ExecuteAsync(context).ConfigureAwait(false);
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

    private async Task RefuseAsync(HttpContext context, AgentIdentity identity, Refusal refusal)
    {
        await RecordAsync(context, identity, "refused:" + refusal.Code, refusal.Status, identity.ChainLinks).ConfigureAwait(false);
        await RefusalResponse.WriteAsync(context, refusal).ConfigureAwait(false);
    }

    private ValueTask<AuditRecord> RecordAsync(HttpContext context, AgentIdentity identity, string decision, int status, IReadOnlyList<ActorLink>? chain) =>
        _journal.AppendAsync(new AuditEntry
        {
            Tenant = identity.Tenant,
            Workspace = identity.Workspace,
            Agent = identity.Agent,
            Tool = "delegation",
            RequestId = RequestIdMiddleware.GetRequestId(context),
            Decision = decision,
            StatusCode = status,
            SecretSlot = identity.SecretSlot is { } slot ? Security.SecretSlots.WireName(slot) : null,
            ActorChain = chain,
        }, context.RequestAborted);
}
