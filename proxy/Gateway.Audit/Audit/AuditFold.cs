namespace Gateway.Audit;

/// <summary>Whether an entry may share one record with the entries of the same kind written in the same group (<see cref="AuditGroupFold"/>).</summary>
public enum AuditFold
{
    /// <summary>A record of its own (an admin action, a refusal that does not come in storms).</summary>
    None,

    /// <summary>
    /// A repeated refusal (a rate limit, a replayed nonce): the ones of the same tenant, agent, workspace, tool,
    /// decision and status share a record carrying <see cref="AuditEntry.Count"/> and <see cref="AuditEntry.RequestIds"/>.
    /// </summary>
    RepeatedRefusal,

    /// <summary>
    /// What happened when a forwarded request ran: the ones of the same tenant, agent, workspace, tool, connector and
    /// decision share a record carrying <see cref="AuditEntry.Count"/> and <see cref="AuditEntry.Outcomes"/>.
    /// </summary>
    Outcome,

    /// <summary>
    /// A decision, written before anything acts on it: the ones of the same tenant, agent, workspace, tool, connector,
    /// decision, status, policy digest, explanation digest, failing controls, approval and simulate flag share a record
    /// carrying <see cref="AuditEntry.Count"/> and <see cref="AuditEntry.Decisions"/> (each request's id and intent digest).
    /// </summary>
    Decision,
}
