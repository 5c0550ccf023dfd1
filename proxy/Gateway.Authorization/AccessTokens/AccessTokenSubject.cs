using Gateway.Oversight;

namespace Gateway.Authorization.AccessTokens;

/// <summary>
/// The registered agent a token speaks for. Its OAuth <c>client_id</c> is <c>tenant/workspace/agent</c>: none of the
/// three may contain a <c>/</c>, so the spelling is unambiguous.
/// </summary>
public sealed record AccessTokenSubject(string Tenant, string Workspace, string Agent)
{
    public string ClientId => Tenant + "/" + Workspace + "/" + Agent;

    /// <summary>Reads a <c>client_id</c>; false unless it is three valid identifiers joined by <c>/</c>.</summary>
    public static bool TryParse(string? clientId, out AccessTokenSubject? subject)
    {
        subject = null;
        var parts = clientId?.Split('/');
        if (parts is not [var tenant, var workspace, var agent]
            || !Identifiers.IsValidTenant(tenant) || !Identifiers.IsValidAgent(workspace) || !Identifiers.IsValidAgent(agent))
        {
            return false;
        }

        subject = new AccessTokenSubject(tenant, workspace, agent);
        return true;
    }
}
