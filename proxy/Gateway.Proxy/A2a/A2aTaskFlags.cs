namespace Gateway.Proxy.A2a;

/// <summary>
/// The flags of the A2A task a call acts on, a task of the caller's, as read with its owner when the call was described
/// (<see cref="A2aTaskOwners.ReadAsync"/>): whether a webhook was set for it and whether it was served redacted. The
/// Enforce stage writes the redacted flag only when it was not set; Respond renews what was set with the ownership
/// (<see cref="A2aTaskOwners.RenewAsync"/>).
/// </summary>
internal sealed record A2aTaskFlags(string TaskId, bool Webhook, bool Redacted);
