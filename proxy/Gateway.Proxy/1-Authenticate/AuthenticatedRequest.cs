namespace Gateway.Proxy.Authenticate;

/// <summary>The Authenticate stage's record: who signed the request, and the exact body bytes the signature covered (empty when there was none).</summary>
internal sealed record AuthenticatedRequest(AgentIdentity Identity, ReadOnlyMemory<byte> Body);
