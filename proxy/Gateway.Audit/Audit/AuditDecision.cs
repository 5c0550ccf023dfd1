namespace Gateway.Audit;

/// <summary>
/// One request's decision inside a record that stands for the decisions of several requests of one group
/// (<see cref="AuditEntry.Decisions"/>): only what varies from one request to the next, its id and its intent digest.
/// Everything else the record says (decision, status, digests, failing controls, explanation) holds for each of them;
/// the explanation of each is the stored one with its own <see cref="IntentDigest"/>.
/// </summary>
public sealed record AuditDecision
{
    public required string RequestId { get; init; }

    public string? IntentDigest { get; init; }
}
