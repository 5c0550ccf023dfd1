using Gateway.Oversight.Runs;
using Gateway.Proxy.Authenticate;

namespace Gateway.Proxy.Describe;

/// <summary>A run to start, as described (<see cref="RunStartDescriber"/>): the record its destination stores, and whether the run's own trace begins with it (no agent trace).</summary>
internal sealed record RunStart(RunRecord Record, bool TracesStart);

/// <summary>A run event to record, as described (<see cref="RunEventDescriber"/>): the agent's own run, the event, and the ending it asks for (null: the run goes on).</summary>
internal sealed record RunEventTaken(RunBinding Run, RunEventRequest Event, RunEnd? Ending);

/// <summary>A child identity to issue, as described (<see cref="DelegationDescriber"/>): its record, without the secret its destination mints (none when it registers a public key).</summary>
internal sealed record DelegationIssue(Oversight.Delegations.DelegationRecord Record);

/// <summary>The approval request an agent polls (<see cref="ApprovalPollDescriber"/>), by the id its path names.</summary>
internal sealed record ApprovalPolled(string Id);

/// <summary>
/// A remote agent's card to serve, as described (<see cref="A2aCardDescriber"/>): the remote agent's name, where its card
/// is read (once admitted and decided, by the destination), the key its signature is pinned to (null: none), and the
/// skills the caller may use.
/// </summary>
internal sealed record A2aCardAsked(string Agent, Uri CardUrl, string? CardKey, IReadOnlySet<string> AllowedSkills);
