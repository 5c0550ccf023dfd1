using Microsoft.AspNetCore.Authentication;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The options of the agent signature scheme. The clock skew and body limits it enforces are the
/// gateway's own (<c>Gateway:Authentication</c> and <c>Gateway:Limits</c>), validated at start-up.
/// </summary>
public sealed class AgentSignatureOptions : AuthenticationSchemeOptions
{
}
