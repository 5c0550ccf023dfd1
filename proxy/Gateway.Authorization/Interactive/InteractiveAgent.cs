using Gateway.Policy;

namespace Gateway.Authorization.Interactive;

/// <summary>An agent of a tenant that accepts an interactive client: its block and the client's entry in it.</summary>
public sealed record InteractiveAgent(string Tenant, string Agent, InteractiveAccess Access, InteractiveClient Client)
{
    public string Workspace => Access.Workspace;

    public AuthenticatedCaller Caller => new(Tenant, Workspace, Agent);
}
