namespace Gateway.Audit.Options;

/// <summary><c>Gateway:Evidence</c>: signed checkpoints of the audit log's Merkle trees and where they are pushed (docs/evidence.md).</summary>
public sealed record EvidenceOptions
{
    /// <summary>How often each chain this replica writes is checkpointed when it grew (1 s to 24 h).</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Where each new checkpoint is POSTed (https, or http to loopback); none: checkpoints are kept and served only.</summary>
    public Uri? WitnessUrl { get; init; }

    /// <summary>Attempts per checkpoint before it is dropped (logged and counted).</summary>
    public int WitnessMaxAttempts { get; init; } = 5;

    /// <summary>The wait after the first failed attempt, doubled after each next one.</summary>
    public TimeSpan WitnessInitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one attempt may take.</summary>
    public TimeSpan WitnessTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Sign the decision receipts of one audit group with one signature (true, the default: <c>ReceiptBatch</c>);
    /// false signs each alone, as the load test's comparison row does. Either way every receipt verifies the same way.
    /// </summary>
    public bool BatchReceipts { get; init; } = true;

    /// <summary>
    /// Sign a group's receipts while its store call is in flight and store their batch in a call of its own sent right
    /// after (true), instead of before the call and in it (false, the default). Only for the state-store sink on Redis.
    /// An agent is given its receipt only once both calls are answered.
    /// </summary>
    public bool SignInFlight { get; init; }
}
