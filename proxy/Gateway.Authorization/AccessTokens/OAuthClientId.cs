using Gateway.Audit;
using Gateway.Policy;

namespace Gateway.Authorization.AccessTokens;

/// <summary>
/// An agent's OAuth <c>client_id</c>: <c>tenant/workspace/agent</c> of the caller a token speaks for
/// (<see cref="AuthenticatedCaller"/>). None of the three may contain a <c>/</c>, so the spelling is unambiguous.
/// </summary>
public static class OAuthClientId
{
    public static string Of(AuthenticatedCaller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Tenant + "/" + caller.Workspace + "/" + caller.Agent;
    }

    /// <summary>Reads a <c>client_id</c>; false unless it is three valid identifiers joined by <c>/</c>.</summary>
    public static bool TryParse(string? clientId, out AuthenticatedCaller? caller)
    {
        caller = null;
        var parts = clientId?.Split('/');
        if (parts is not [var tenant, var workspace, var agent]
            || !Identifiers.IsValidTenant(tenant) || !Identifiers.IsValidAgent(workspace) || !Identifiers.IsValidAgent(agent))
        {
            return false;
        }

        caller = new AuthenticatedCaller(tenant, workspace, agent);
        return true;
    }
}
