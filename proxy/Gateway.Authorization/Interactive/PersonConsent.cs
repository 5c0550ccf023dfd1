namespace Gateway.Authorization.Interactive;

/// <summary>A person's remembered consent: this client may act as this agent of the tenant for them until <see cref="Ends"/>.</summary>
public sealed record PersonConsent(string ClientId, string Workspace, string Agent, DateTimeOffset Granted, DateTimeOffset Ends);
