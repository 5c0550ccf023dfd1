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

/// <summary>A remote agent's card as read and verified (<see cref="A2aCardDescriber"/>), with the remote agent's name and the skills the caller may use.</summary>
internal sealed record A2aCardRead(System.Text.Json.Nodes.JsonObject Card, string Agent, IReadOnlySet<string> AllowedSkills);
