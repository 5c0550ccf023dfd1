namespace Gateway.Policy;

/// <summary>Tenant, workspace and agent from the authenticated request headers (never from the body).</summary>
public readonly record struct AuthenticatedCaller(string Tenant, string Workspace, string Agent);
