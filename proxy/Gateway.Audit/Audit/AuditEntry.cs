using System.Text.Json.Serialization;

namespace Gateway.Audit;

/// <summary>
/// What the host records about one decision and its outcome. Pass only these fields, never a
/// secret, credential, token or raw payload: the explanation is the policy's explanation object and
/// <see cref="Redactions"/> holds counts only. The journal seals it into an <see cref="AuditRecord"/>,
/// which is this entry plus its place in a chain.
/// </summary>
public record AuditEntry
{
    public required string Tenant { get; init; }

    public string? Workspace { get; init; }

    public required string Agent { get; init; }

    /// <summary>The catalog tool or connector the request resolved to.</summary>
    public string? Tool { get; init; }

    public string? Connector { get; init; }

    public string? RequestId { get; init; }

    /// <summary>allow, allow_and_log, degrade, require_approval, block, block_and_open_incident (or admin_action).</summary>
    public required string Decision { get; init; }

    /// <summary>Ids of the controls that failed.</summary>
    public IReadOnlyList<string>? FailingControls { get; init; }

    /// <summary>
    /// The policy's explanation object as UTF-8 JSON (as the agent was answered), or empty for none. It is
    /// canonicalised into the journal line when the record is sealed (<see cref="AuditSeal"/>); nothing parses it
    /// before then, and a record's own JSON (<see cref="AuditJson.AuditRecord"/>) leaves it out.
    /// </summary>
    [JsonIgnore]
    public ReadOnlyMemory<byte> Explanation { get; init; }

    public string? PolicyDigest { get; init; }

    public string? IntentDigest { get; init; }

    /// <summary>The HTTP status the gateway answered with.</summary>
    public int StatusCode { get; init; }

    /// <summary>True only when the connector was called.</summary>
    public bool Invoked { get; init; }

    /// <summary>Redactions applied, by data class → count.</summary>
    public IReadOnlyDictionary<string, int>? Redactions { get; init; }

    public int? UpstreamStatus { get; init; }

    public double? LatencyMs { get; init; }

    /// <summary>The approval whose warrant was redeemed, when there was one.</summary>
    public string? ApprovalId { get; init; }

    /// <summary>
    /// For an action that presented an evaluation's decision token: the id of the evaluation's request, whose record
    /// holds the decision the agent was shown before it acted.
    /// </summary>
    public string? EvaluationRequestId { get; init; }

    /// <summary>For admin actions, the admin token's name.</summary>
    public string? Actor { get; init; }

    /// <summary>True when the decision was recorded in simulate (shadow) mode and not enforced.</summary>
    public bool? Simulated { get; init; }

    /// <summary>
    /// Which of the agent's secrets signed the request: <c>current</c> or, during a rotation, <c>next</c>; null for a
    /// request that presented an access token, for an admin action, and in records written before rotations.
    /// </summary>
    public string? SecretSlot { get; init; }

    /// <summary>
    /// The subject (<c>sub</c>) of the person the agent acted for, from the verified identity token the request carried
    /// (<c>X-Gamut-Person</c>); with <see cref="PersonIssuer"/>. Null when the request named no person.
    /// </summary>
    public string? Person { get; init; }

    /// <summary>The issuer (<c>iss</c>) of the person's identity token: the tenant's OpenID provider.</summary>
    public string? PersonIssuer { get; init; }

    /// <summary>
    /// The subject of the person's own account at the upstream (a <c>per_person</c> connector's linked account) the call
    /// was made as; never its token. Null when the connector used no linked account.
    /// </summary>
    public string? UpstreamAccount { get; init; }

    /// <summary>
    /// Who acted, first principal first (person → agent → delegated child → …; <see cref="Agent"/> is its last link),
    /// when that is more than the signing agent alone: a request signed by a delegated child, or made for a person. Null
    /// for a registered agent acting for no one, for an admin action, and in records written before delegation.
    /// </summary>
    public IReadOnlyList<Gateway.Policy.ActorLink>? ActorChain { get; init; }

    /// <summary>
    /// The run the request acted in (its <c>X-Gamut-Run</c>, or a delegated child's grant), or the run a run's own record is
    /// about; null for a request that named no run, and in records written before runs.
    /// </summary>
    public string? RunId { get; init; }

    /// <summary>On a run's own records (it started, an event, it was cancelled): what happened; null on every other record.</summary>
    public AuditRunEvent? RunEvent { get; init; }

    /// <summary>
    /// On the record of a remote agent's task state (decision <c>a2a_task_state</c>, docs/a2a.md): the task and the state a
    /// reply or an event of the remote agent showed; null on every other record.
    /// </summary>
    public AuditA2aTask? A2aTask { get; init; }

    /// <summary>
    /// On a refusal because the run had ended (<c>run_cancelled</c>, <c>run_ended</c>): who ended it (<c>agent:&lt;id&gt;</c>,
    /// <c>admin:&lt;token name&gt;</c>); null otherwise.
    /// </summary>
    public string? RunEndedBy { get; init; }

    /// <summary>
    /// For one record standing for several requests (<see cref="Fold"/>): how many requests it records; their ids are
    /// <see cref="RequestIds"/> (repeated refusals), or those of <see cref="Outcomes"/> (outcomes) or of
    /// <see cref="Decisions"/> (decisions), and
    /// <see cref="RequestId"/> is null. Null for a record of one request.
    /// </summary>
    public int? Count { get; init; }

    /// <summary>The ids of every request a record of repeated refusals stands for, in arrival order.</summary>
    public IReadOnlyList<string>? RequestIds { get; init; }

    /// <summary>
    /// For one record standing for the outcomes of several forwarded requests: each request's own outcome (its id,
    /// status, invocation, upstream status, latency, redactions) in arrival order; the record's own
    /// <see cref="StatusCode"/>, <see cref="Invoked"/>, <see cref="UpstreamStatus"/>, <see cref="LatencyMs"/> and
    /// <see cref="Redactions"/> are then not part of it. Null for a record of one request.
    /// </summary>
    public IReadOnlyList<AuditOutcome>? Outcomes { get; init; }

    /// <summary>
    /// For one record standing for the decisions of several requests: each request's id and intent digest in arrival
    /// order; the record's own <see cref="RequestId"/> and <see cref="IntentDigest"/> are then null, and everything else
    /// it says holds for each of them. Null for a record of one request.
    /// </summary>
    public IReadOnlyList<AuditDecision>? Decisions { get; init; }

    /// <summary>
    /// Whether the entry may share one record with the others of its kind written in the same group
    /// (<see cref="AuditGroupFold"/>): a repeated refusal, an outcome, or a decision. Not part of the record.
    /// </summary>
    [JsonIgnore]
    public AuditFold Fold { get; init; }
}
