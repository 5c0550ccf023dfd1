namespace Gateway.Proxy.Authentication;

/// <summary>
/// Endpoint metadata: the endpoint serves agents and runs only after the agent protocol's signature
/// is proven. Authentication is chosen by the matched endpoint, never by the path's spelling, so
/// <c>/V1/…</c> or <c>/PROVIDERS/…</c> (which routing matches case-insensitively) cannot skip it.
/// </summary>
public sealed class AgentSignatureRequired
{
    public static readonly AgentSignatureRequired Instance = new();

    private AgentSignatureRequired()
    {
    }
}
