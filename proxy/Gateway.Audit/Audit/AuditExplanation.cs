namespace Gateway.Audit;

/// <summary>
/// A record's explanation as stored apart from it, once per tenant and digest: <see cref="Json"/> is the canonical
/// UTF-8 JSON of the explanation the agent was answered with, less its <c>intent_digest</c> member when that equals
/// the record's own; <see cref="Digest"/> is its lowercase hex SHA-256, which the record carries as
/// <c>explanation_digest</c> (see <see cref="Gateway.Policy.AuditChain.AuditExplanationLine"/>).
/// </summary>
public sealed record AuditExplanation(string Digest, byte[] Json);
