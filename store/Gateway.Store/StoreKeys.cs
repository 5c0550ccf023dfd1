using System.Globalization;

namespace Gateway.Store;

/// <summary>
/// The one place store keys are spelled. Every key starts with the tenant so that one tenant's
/// data never shares a key with another's; the <c>{tenant}</c> braces are a Redis Cluster hash tag.
/// </summary>
public static class StoreKeys
{
    public const string Prefix = "gw:";

    /// <summary>A part of a key (or of an envelope's associated data) as its length, a colon, then itself: no part can split another.</summary>
    public static string LengthPrefixed(string part) => string.Create(CultureInfo.InvariantCulture, $"{part.Length}:{part}");

    public static string Nonce(string tenant, string agent, string nonce) => NonceRecord(tenant, NonceName(agent, nonce));

    /// <summary>A nonce's name in its tenant (<see cref="NonceRecord"/>): the agent that sent it, then the nonce.</summary>
    public static string NonceName(string agent, string nonce) => $"{agent}:{nonce}";

    /// <summary>
    /// A nonce's record by its name (<see cref="NonceName"/>; <see cref="Nonce"/> names it from its parts): stored when its request
    /// is admitted, and the record of the decision token the request may be issued (a token's <c>rec</c> claim names it).
    /// </summary>
    public static string NonceRecord(string tenant, string name) => $"{Prefix}{{{tenant}}}:nonce:{name}";

    public static string RateLimit(string tenant, string scope) => $"{Prefix}{{{tenant}}}:rl:{scope}";

    public static string Budget(string tenant, string scope) => $"{Prefix}{{{tenant}}}:budget:{scope}";

    public static string Approval(string tenant, string approvalId) => $"{Prefix}{{{tenant}}}:approval:{approvalId}";

    public static string ApprovalVotes(string tenant, string approvalId) => $"{Prefix}{{{tenant}}}:approval-votes:{approvalId}";

    public static string Warrant(string tenant, string warrantId) => $"{Prefix}{{{tenant}}}:warrant:{warrantId}";

    /// <summary>One replica's audit chain of the tenant.</summary>
    public static string AuditLog(string tenant, string replica) => $"{Prefix}{{{tenant}}}:audit:{replica}";

    /// <summary>The tenant's stored audit explanations: a hash of explanation digest → explanation JSON, shared by its replicas' chains.</summary>
    public static string AuditExplanations(string tenant) => $"{Prefix}{{{tenant}}}:audit-explanations";

    /// <summary>The stored receipt batches of one replica's audit chain of the tenant: a log, one batch each, in seq order.</summary>
    public static string AuditReceipts(string tenant, string replica) => $"{Prefix}{{{tenant}}}:audit-receipts:{replica}";

    /// <summary>The set of replicas holding an audit chain of the tenant.</summary>
    public static string AuditReplicas(string tenant) => $"{Prefix}{{{tenant}}}:audit-replicas";

    /// <summary>The tenant a key made by <see cref="AuditReplicas"/> names (false for any other key).</summary>
    public static bool TryParseAuditReplicas(string key, out string tenant)
    {
        const string Suffix = "}:audit-replicas";
        tenant = string.Empty;
        if (!key.StartsWith(Prefix + "{", StringComparison.Ordinal) || !key.EndsWith(Suffix, StringComparison.Ordinal) || key.Length <= Prefix.Length + 1 + Suffix.Length)
        {
            return false;
        }

        tenant = key[(Prefix.Length + 1)..^Suffix.Length];
        return true;
    }

    /// <summary>The Merkle leaf hashes of one replica's retired audit records of the tenant: a log, each entry the hex of up to a thousand, in seq order.</summary>
    public static string AuditLeaves(string tenant, string replica) => $"{Prefix}{{{tenant}}}:audit-leaves:{replica}";

    public static string Incidents(string tenant) => $"{Prefix}{{{tenant}}}:incidents";

    /// <summary>The id of the incident whose notification covers one intent's incidents for a while; <paramref name="intentHash"/> is the hex SHA-256 of its workspace, agent, tool and intent digest.</summary>
    public static string IncidentNotified(string tenant, string intentHash) => $"{Prefix}{{{tenant}}}:incident-notified:{intentHash}";

    /// <summary>
    /// Held for a minute once a refusal of <paramref name="code"/> of an agent's secret (by its fingerprint) on a route
    /// was recorded: the same refusals are answered unrecorded while it is (a revoked or retired secret's).
    /// </summary>
    public static string RefusalRecorded(string tenant, string agent, string secretFingerprint, string route, string code) =>
        $"{Prefix}{{{tenant}}}:refusal-recorded:{LengthPrefixed(agent)}{LengthPrefixed(secretFingerprint)}{LengthPrefixed(route)}{code}";

    public static string Credential(string tenant, string name) => $"{Prefix}{{{tenant}}}:credential:{name}";

    public static string AgentStatus(string tenant, string agent) => $"{Prefix}{{{tenant}}}:agent-status:{agent}";

    /// <summary>A tenant's kill switches (suffixed per switch, as <see cref="AgentStatus"/>).</summary>
    public static string TenantStatus(string tenant) => $"{Prefix}{{{tenant}}}:tenant-status";

    /// <summary>An MCP session on <c>/mcp</c>: its agent and initialize handshake, so that any replica can continue it.</summary>
    public static string McpSession(string tenant, string sessionId) => $"{Prefix}{{{tenant}}}:mcp-session:{sessionId}";

    /// <summary>
    /// A request an MCP server sent the client mid-call on <c>/mcp</c> (sampling, elicitation), under the id the client
    /// saw, until the client's answer is sent to the server on its session (by whichever replica the answer reaches).
    /// </summary>
    public static string McpServerRequest(string tenant, string relayId) => $"{Prefix}{{{tenant}}}:mcp-ask:{relayId}";

    /// <summary>
    /// One event of a governed call's event stream on <c>/mcp</c>, under the agent that made the call, so that the agent
    /// can resume the stream (<c>Last-Event-ID</c>) on whichever replica it reconnects to.
    /// </summary>
    public static string McpCallEvent(string tenant, string agent, string stream, int sequence) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}{{{tenant}}}:mcp-event:{agent}:{stream}:{sequence}");

    /// <summary>A person's kept provider tokens (ID and refresh token, sealed), named by a digest of their subject, never the subject.</summary>
    public static string ProviderToken(string tenant, string subjectDigest) => $"{Prefix}{{{tenant}}}:provider-token:{subjectDigest}";

    /// <summary>
    /// The agent that opened a task on a remote A2A agent, by the connector and the SHA-256 (hex) of the task's id, so that
    /// only that agent reads, cancels or continues it.
    /// </summary>
    public static string A2aTaskOwner(string tenant, string connector, string taskIdDigest) => $"{Prefix}{{{tenant}}}:a2a-task:{connector}:{taskIdDigest}";

    /// <summary>
    /// Set beside <see cref="A2aTaskOwner"/> (same digest, same lifetime) once a call naming a push-notification webhook
    /// was forwarded for the task, so that a message continuing it under a redact degrade is refused.
    /// </summary>
    public static string A2aTaskWebhook(string tenant, string connector, string taskIdDigest) => $"{Prefix}{{{tenant}}}:a2a-task-webhook:{connector}:{taskIdDigest}";

    /// <summary>Set beside <see cref="A2aTaskOwner"/> once a call under redact or mask was forwarded for the task: <see cref="A2aTaskWebhook"/>'s family, digest marked <c>redacted-</c> (the key stored flags already use).</summary>
    public static string A2aTaskRedacted(string tenant, string connector, string taskIdDigest) => A2aTaskWebhook(tenant, connector, "redacted-" + taskIdDigest);

    /// <summary>
    /// The agent that first held a context (A2A's <c>contextId</c>) on a remote A2A agent, by the connector and the SHA-256
    /// (hex) of the context's id, so that no other agent's message joins it.
    /// </summary>
    public static string A2aContextOwner(string tenant, string connector, string contextIdDigest) => $"{Prefix}{{{tenant}}}:a2a-context:{connector}:{contextIdDigest}";

    /// <summary>The record of a decision token by its id: a token with no <c>rec</c> claim, issued before its nonce's record held it (<see cref="NonceRecord"/>).</summary>
    public static string DecisionToken(string tenant, string tokenId) => $"{Prefix}{{{tenant}}}:decision-token:{tokenId}";

    /// <summary>Set (once, atomically) when an executor consumed the decision token <paramref name="tokenId"/> (<c>"consume": true</c>).</summary>
    public static string DecisionTokenConsumed(string tenant, string tokenId) => $"{Prefix}{{{tenant}}}:decision-token-consumed:{tokenId}";

    /// <summary>The tenant's token generation: raising it revokes every token of the tenant issued before.</summary>
    public static string TokenGeneration(string tenant) => $"{Prefix}{{{tenant}}}:token-generation";

    /// <summary>The agent's token generation: raising it revokes every token of the agent issued before.</summary>
    public static string TokenGeneration(string tenant, string agent) => $"{Prefix}{{{tenant}}}:token-generation:agent:{agent}";

    /// <summary>The digest of the tenant's policy in force: a decision token issued under another is revoked.</summary>
    public static string TokenPolicyDigest(string tenant) => $"{Prefix}{{{tenant}}}:token-policy-digest";

    /// <summary>Present when the approval was revoked after it was granted: its warrant and the tokens issued under it are void.</summary>
    public static string ApprovalRevoked(string tenant, string approvalId) => $"{Prefix}{{{tenant}}}:approval-revoked:{approvalId}";

    /// <summary>
    /// The last approval opened for an agent's intent (its id), kept as long as the approval's own keys: a retry of the same
    /// intent folds into it while it is pending or its warrant is still good and unused (docs/approvals-and-audit.md).
    /// </summary>
    public static string ApprovalIntent(string tenant, string agent, string intentDigest) => $"{Prefix}{{{tenant}}}:approval-intent:{agent}:{intentDigest}";

    /// <summary>A delegated child identity's record (its grant, chain and encrypted secret), expiring with the child.</summary>
    public static string Delegation(string tenant, string childId) => $"{Prefix}{{{tenant}}}:delegation:{childId}";

    /// <summary>The children an agent or child issued on one UTC day (a set of child ids), to list and revoke its subtree.</summary>
    public static string DelegationChildren(string tenant, string parent, long day) => $"{Prefix}{{{tenant}}}:delegation-children:{parent}:{day}";

    /// <summary>A registered agent's delegation generation: raising it revokes every child it (and its children) issued before.</summary>
    public static string DelegationGeneration(string tenant, string agent) => $"{Prefix}{{{tenant}}}:delegation-generation:{agent}";

    /// <summary>A run's record (written once at start), under the registered agent it belongs to, until the run's retention ends.</summary>
    public static string Run(string tenant, string agent, string runId) => $"{Prefix}{{{tenant}}}:run:{agent}:{runId}";

    /// <summary>How the run ended (completed, failed, cancelled, by whom): absent while it is active; the first ending stored wins.</summary>
    public static string RunEnd(string tenant, string agent, string runId) => $"{Prefix}{{{tenant}}}:run-end:{agent}:{runId}";

    /// <summary>
    /// What a run has spent of one of its limits (<paramref name="limit"/>: <c>actions</c>, <c>tokens</c>, <c>cost</c>), a
    /// counter under the registered agent the run belongs to, expiring with the run.
    /// </summary>
    public static string RunUsage(string tenant, string agent, string runId, string limit) => $"{Prefix}{{{tenant}}}:run-usage:{agent}:{runId}:{limit}";

    /// <summary>
    /// The mark a counter's limit leaves once it refused an amount the limit could hold (<see cref="CounterReservation"/>):
    /// the counter's key and <c>:exhausted</c>, in its hash slot, holding that limit (the Redis admission script spells it
    /// too); a run's <see cref="RunUsage"/> counters are read with theirs when a sub-run starts.
    /// </summary>
    public static string CounterExhausted(string counter) => counter + ":exhausted";

    /// <summary>How many times one intent digest occurred in a run (its loop detection), expiring with the run.</summary>
    public static string RunIntent(string tenant, string agent, string runId, string intentDigest) => $"{Prefix}{{{tenant}}}:run-intent:{agent}:{runId}:{intentDigest}";

    /// <summary>The registered agent a run of the tenant belongs to, by the run's id alone (what an operator names).</summary>
    public static string RunOwner(string tenant, string runId) => $"{Prefix}{{{tenant}}}:run-owner:{runId}";

    /// <summary>The runs of the tenant started on one UTC day (a set of <c>agent/run id</c>), to list them.</summary>
    public static string Runs(string tenant, long day) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{{{tenant}}}:runs:{day}");

    public static string AdminToken(string tokenHash) => $"{Prefix}admin-token:{tokenHash}";
}
