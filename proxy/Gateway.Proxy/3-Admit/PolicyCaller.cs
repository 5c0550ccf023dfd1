using Gateway.Policy;
using Gateway.Proxy.Authenticate;

namespace Gateway.Proxy.Admit;

/// <summary>
/// Who the policy describes and decides for: the authenticated caller (<see cref="AgentIdentity.Caller"/>: a delegated
/// child with its grant, and the person it acts for), the one record of it. Admit describes with it (a run's loop
/// detection), Decide decides with it.
/// </summary>
internal static class PolicyCaller
{
    public static AuthenticatedCaller Of(AgentIdentity identity) => identity.Caller;
}
