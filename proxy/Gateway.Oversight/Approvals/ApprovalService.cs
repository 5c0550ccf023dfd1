using System.Text.Json;
using Gateway.Audit;
using Gateway.Oversight.Options;
using Gateway.Oversight.Register;
using Gateway.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// Approval requests and their warrants: the rules (who may vote and whose votes still count, when a request is approved,
/// denied or expired, what a warrant must match). Every state lives in an <see cref="IApprovalStore"/>, so that
/// any replica can create, approve, poll and redeem.
/// </summary>
public sealed partial class ApprovalService
{
    /// <summary>The longest receipt an approval keeps (a compact JWS is far shorter).</summary>
    public const int MaxReceiptLength = 16 * 1024;

    private readonly IApprovalStore _store;
    private readonly IStateStore _state;
    private readonly WarrantSigner _signer;
    private readonly IWarrantCompatibility _compatibility;
    private readonly IRegisterDirectory _register;
    private readonly IPersonSuspensions _suspensions;
    private readonly IVotingCredentials _credentials;
    private readonly TimeProvider _time;
    private readonly OversightMetrics _metrics;
    private readonly ILogger<ApprovalService> _logger;
    private readonly ApprovalOptions _options;

    /// <summary>
    /// The service over <paramref name="store"/>; <paramref name="register"/>, <paramref name="suspensions"/> and
    /// <paramref name="credentials"/> say, each time votes are counted, whose votes still count (<see cref="ApproveAsync"/>).
    /// </summary>
    public ApprovalService(
        IApprovalStore store,
        IStateStore state,
        WarrantSigner signer,
        IWarrantCompatibility compatibility,
        IRegisterDirectory register,
        IPersonSuspensions suspensions,
        IVotingCredentials credentials,
        TimeProvider time,
        OversightMetrics metrics,
        IOptions<OversightOptions> options,
        ILogger<ApprovalService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _state = state;
        _signer = signer;
        _compatibility = compatibility;
        _register = register ?? throw new ArgumentNullException(nameof(register));
        _suspensions = suspensions ?? throw new ArgumentNullException(nameof(suspensions));
        _credentials = credentials ?? throw new ArgumentNullException(nameof(credentials));
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _options = options.Value.Approvals;
        _settledIds = new SettledApprovalIds(SettledIdsPerTenant(_options));
    }

    /// <summary>
    /// Opens a pending request for a <c>require_approval</c> decision: <see cref="Prepare"/> then <see cref="OpenAsync"/>.
    /// </summary>
    public ValueTask<ApprovalRequest> CreateAsync(
        string tenant,
        string agent,
        string tool,
        string intentDigest,
        string policyDigest,
        string? explanationJson,
        string? gateId,
        IReadOnlyList<string> approvers,
        int approvalsRequired,
        TimeSpan ttl,
        TimeSpan warrantTtl,
        CancellationToken cancellationToken = default,
        string? requestId = null,
        ApprovalArguments? arguments = null) =>
        OpenAsync(Prepare(tenant, agent, tool, intentDigest, policyDigest, explanationJson, gateId, approvers, approvalsRequired, ttl, warrantTtl, requestId, arguments), cancellationToken);

    /// <summary>The request window <paramref name="asked"/>, at most <c>Gateway:Approvals:MaxRequestTtl</c>.</summary>
    public TimeSpan RequestTtlWithin(TimeSpan asked) => asked > _options.MaxRequestTtl ? _options.MaxRequestTtl : asked;

    /// <summary>A gate's warrant TTL <paramref name="asked"/>, at most <c>Gateway:Approvals:MaxWarrantTtl</c> (a shorter warrant only tightens).</summary>
    public TimeSpan WarrantTtlWithin(TimeSpan asked) => asked > _options.MaxWarrantTtl ? _options.MaxWarrantTtl : asked;

    /// <summary>
    /// The pending request a <c>require_approval</c> decision asks for, with its id, checked and built but not stored (no
    /// I/O: a decision names it, and it is opened once the decision is recorded, <see cref="OpenAsync"/>).
    /// <paramref name="ttl"/> is how long approvers have; <paramref name="warrantTtl"/> is the gate's warrant time-to-live.
    /// <paramref name="requestId"/> names the request whose decision opens it (its audit record); <paramref name="arguments"/>
    /// are the action's arguments as already redacted and capped (<see cref="ApprovalArguments.Of"/>), never raw.
    /// </summary>
    public ApprovalRequest Prepare(
        string tenant,
        string agent,
        string tool,
        string intentDigest,
        string policyDigest,
        string? explanationJson,
        string? gateId,
        IReadOnlyList<string> approvers,
        int approvalsRequired,
        TimeSpan ttl,
        TimeSpan warrantTtl,
        string? requestId = null,
        ApprovalArguments? arguments = null)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        Identifiers.ThrowIfInvalidAgent(agent);
        ArgumentException.ThrowIfNullOrEmpty(tool);
        ArgumentException.ThrowIfNullOrEmpty(intentDigest);
        ArgumentNullException.ThrowIfNull(policyDigest);
        ArgumentNullException.ThrowIfNull(approvers);
        var distinct = approvers.Distinct(StringComparer.Ordinal).ToArray();
        if (distinct.Length == 0 || distinct.Any(a => !Identifiers.IsValidName(a)))
        {
            throw new ArgumentException("An approval needs at least one validly named approver.", nameof(approvers));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(approvalsRequired, 1);
        if (approvalsRequired > distinct.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(approvalsRequired), "More approvals are required than there are distinct approvers.");
        }

        if (ttl <= TimeSpan.Zero || ttl > _options.MaxRequestTtl)
        {
            throw new ArgumentOutOfRangeException(nameof(ttl), "The request time-to-live is outside (0, Gateway:Approvals:MaxRequestTtl].");
        }

        if (warrantTtl < TimeSpan.FromSeconds(1) || warrantTtl > _options.MaxWarrantTtl)
        {
            throw new ArgumentOutOfRangeException(nameof(warrantTtl), "The warrant time-to-live is outside [1 s, Gateway:Approvals:MaxWarrantTtl].");
        }

        JsonElement? explanation = null;
        if (!string.IsNullOrEmpty(explanationJson))
        {
            using var parsed = JsonDocument.Parse(explanationJson);
            explanation = parsed.RootElement.Clone();
        }

        var now = _time.GetUtcNow();
        var request = new ApprovalRequest
        {
            Id = ApprovalIds.New(),
            Tenant = tenant,
            Agent = agent,
            Tool = tool,
            IntentDigest = intentDigest,
            PolicyDigest = policyDigest,
            GateId = gateId,
            Approvers = distinct,
            ApprovalsRequired = approvalsRequired,
            CreatedAt = now,
            ExpiresAt = now + ttl,
            WarrantTtlSeconds = (long)Math.Ceiling(warrantTtl.TotalSeconds),
            Explanation = explanation,
            RequestId = requestId,
            Arguments = arguments?.Text,
            ArgumentsTruncated = arguments?.Truncated ?? false,
            Status = ApprovalStatus.Pending,
            Approvals = [],
        };
        return request;
    }

    /// <summary>
    /// Stores a request <see cref="Prepare"/> built, with the signed receipt of the decision that asked for it when it
    /// has one (<see cref="ApprovalRequest.Receipt"/>, at most <see cref="MaxReceiptLength"/> characters), in the same write.
    /// Throws <see cref="ApprovalOpenLimitException"/>, storing nothing, when its registered agent already has
    /// <c>Gateway:Approvals:MaxOpenPerAgent</c> requests open.
    /// </summary>
    public async ValueTask<ApprovalRequest> OpenAsync(ApprovalRequest prepared, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        if (prepared.Receipt is { } receipt)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(receipt.Length, MaxReceiptLength, nameof(prepared));
        }

        var now = _time.GetUtcNow();
        await ReserveOpenAsync(prepared, now, cancellationToken);
        bool created;
        try
        {
            created = await _store.TryCreateAsync(prepared, KeyLifetime(prepared, now), cancellationToken);
        }
        catch
        {
            await ReleaseOpenAsync(prepared);
            throw;
        }

        if (!created)
        {
            await ReleaseOpenAsync(prepared);
            throw new InvalidOperationException("An approval id collided; refusing to overwrite.");
        }

        await IndexOpenAsync(prepared, now, cancellationToken);
        await RememberIntentAsync(prepared, cancellationToken);
        await RememberTenantAsync(prepared.Tenant, cancellationToken);
        OversightLog.ApprovalCreated(_logger, prepared.Tenant, prepared.Id, prepared.Agent, prepared.Tool, prepared.ApprovalsRequired);
        return prepared;
    }

    /// <summary>The request as approvers see it; null when unknown (or the id is not one of ours).</summary>
    public async ValueTask<ApprovalRequest?> GetAsync(string tenant, string id, CancellationToken cancellationToken = default)
    {
        var stored = await LoadAsync(tenant, id, cancellationToken);
        return stored is null ? null : await CurrentAsync(stored, cancellationToken);
    }

    /// <summary>
    /// The agent's poll (<c>GET /v1/approvals/{id}</c>, after the host authenticated the agent).
    /// Null when unknown or when the request belongs to another agent; the warrant only when approved. An approval whose
    /// warrant TTL has passed is <c>expired</c> here, one revoked before then <c>denied</c> (the protocol's four states:
    /// approved always carries a warrant), while <see cref="GetAsync"/>, the approvers' and the audit's view, keeps it approved.
    /// </summary>
    public ValueTask<ApprovalPollResult?> PollAsync(string tenant, string agent, string id, CancellationToken cancellationToken = default) =>
        PollAsync(tenant, agent, id, registeredAgent: agent, cancellationToken);

    /// <summary>
    /// The poll of <paramref name="agent"/>, whose token generation is <paramref name="registeredAgent"/>'s (a delegated
    /// child's agent): a warrant is issued under the tenant's and that agent's generations now current.
    /// </summary>
    public async ValueTask<ApprovalPollResult?> PollAsync(string tenant, string agent, string id, string registeredAgent, CancellationToken cancellationToken = default)
    {
        var stored = await LoadAsync(tenant, id, cancellationToken);
        if (stored is null || !string.Equals(stored.Agent, agent, StringComparison.Ordinal))
        {
            return null;
        }

        var request = await CurrentAsync(stored, cancellationToken);
        var status = request.Status;
        string? warrant = null;
        DateTimeOffset? warrantExpiresAt = null;
        if (status == ApprovalStatus.Approved && request.DecidedAt is { } approvedAt)
        {
            warrantExpiresAt = DateTimeOffset.FromUnixTimeSeconds(approvedAt.ToUnixTimeSeconds() + stored.WarrantTtlSeconds);
            if (warrantExpiresAt <= _time.GetUtcNow())
            {
                // Approved, but the warrant lapsed unused: nothing the agent can still present, so expired to it.
                status = ApprovalStatus.Expired;
            }
            else
            {
                // The revocation mark (kept past the warrant TTL) and the generations a warrant is issued under, read at once.
                var revokedRead = IsRevokedAsync(tenant, id, cancellationToken);
                var generationsRead = GenerationsAsync(tenant, registeredAgent, cancellationToken).AsTask();
                await Task.WhenAll(revokedRead, generationsRead);
                if (await revokedRead)
                {
                    // Approved, then taken back by a person: a warrant would be refused (warrant_revoked), so denied to it.
                    status = ApprovalStatus.Denied;
                }
                else
                {
                    warrant = _signer.Issue(ClaimsFor(stored, approvedAt, await generationsRead));
                }
            }
        }

        return new ApprovalPollResult
        {
            Id = request.Id,
            Status = status,
            Approvers = request.Approvers,
            Approvals = request.Approvals,
            ApprovalsRequired = request.ApprovalsRequired,
            ExpiresAt = request.ExpiresAt,
            Warrant = warrant,
            WarrantExpiresAt = warrant is null ? null : warrantExpiresAt,
        };
    }

    private async ValueTask<ApprovalRequest?> LoadAsync(string tenant, string id, CancellationToken cancellationToken)
    {
        if (!Identifiers.IsValidTenant(tenant) || !ApprovalIds.IsWellFormed(id))
        {
            return null;
        }

        var stored = await _store.GetAsync(tenant, id, cancellationToken);
        return stored is not null && stored.Tenant == tenant && stored.Id == id ? stored : null;
    }

    private async ValueTask<ApprovalRequest> CurrentAsync(ApprovalRequest stored, CancellationToken cancellationToken)
    {
        var outcome = await _store.GetOutcomeAsync(stored.Tenant, stored.Id, cancellationToken);
        if (outcome is null && await SettledIfExpiredAsync(stored, cancellationToken))
        {
            outcome = await _store.GetOutcomeAsync(stored.Tenant, stored.Id, cancellationToken)
                ?? new ApprovalOutcomeDocument { Status = ApprovalStatus.Expired, At = stored.ExpiresAt };
        }

        var votes = await _store.GetVotersAsync(stored.Tenant, stored.Id, cancellationToken);
        return WithState(stored, outcome, votes);
    }

    /// <summary>
    /// Settles a request with no outcome <c>expired</c> once its time has run out (there is no sweep: a read of it and the
    /// pending count do it); true when its time had run out, whichever settle won.
    /// </summary>
    private async ValueTask<bool> SettledIfExpiredAsync(ApprovalRequest stored, CancellationToken cancellationToken)
    {
        if (_time.GetUtcNow() < stored.ExpiresAt)
        {
            return false;
        }

        await TrySettleAsync(stored, ApprovalStatus.Expired, by: null, stored.ExpiresAt, cancellationToken);
        return true;
    }

    private async ValueTask<bool> TrySettleAsync(ApprovalRequest request, string status, string? by, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var outcome = new ApprovalOutcomeDocument { Status = status, At = at, By = by };
        var won = await _store.TrySettleAsync(request.Tenant, request.Id, outcome, KeyLifetime(request, _time.GetUtcNow()), cancellationToken);
        if (won)
        {
            _metrics.ApprovalSettled(request.Tenant, status);
            OversightLog.ApprovalSettled(_logger, request.Tenant, request.Id, status);
            // No longer open: it counts against its agent's limit no more.
            await ForgetOpenAsync(request, cancellationToken);
        }

        return won;
    }

    private static WarrantClaims ClaimsFor(ApprovalRequest request, DateTimeOffset approvedAt, (long Tenant, long Agent) generations)
    {
        var iat = approvedAt.ToUnixTimeSeconds();
        return new WarrantClaims
        {
            Tid = request.Tenant,
            Aid = request.Agent,
            Tool = request.Tool,
            Act = request.IntentDigest,
            Apr = request.Id,
            Pol = request.PolicyDigest,
            Tgn = generations.Tenant,
            Agn = generations.Agent,
            Iat = iat,
            Exp = iat + request.WarrantTtlSeconds,
        };
    }

    private TimeSpan KeyLifetime(ApprovalRequest request, DateTimeOffset now)
    {
        var horizon = request.ExpiresAt + TimeSpan.FromSeconds(request.WarrantTtlSeconds) + _options.Retention;
        var lifetime = horizon - now;
        return lifetime > TimeSpan.FromMinutes(1) ? lifetime : TimeSpan.FromMinutes(1);
    }

    /// <summary>The stored request with its state: the outcome (pending while there is none) and the approvers' votes.</summary>
    private static ApprovalRequest WithState(ApprovalRequest stored, ApprovalOutcomeDocument? outcome, IReadOnlyList<string> votes) => stored with
    {
        Status = outcome?.Status ?? ApprovalStatus.Pending,
        Approvals = votes.Where(v => stored.Approvers.Contains(v, StringComparer.Ordinal)).ToArray(),
        DecidedAt = outcome?.At,
        DecidedBy = outcome?.By,
    };
}
