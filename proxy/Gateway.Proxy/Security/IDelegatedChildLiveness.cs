namespace Gateway.Proxy.Security;

/// <summary>Whether a delegated child would be let in now: what a shared folder (an MCP subscription's updates) asks of the signature check.</summary>
internal interface IDelegatedChildLiveness
{
    /// <summary>True while the signature check would let <paramref name="child"/> of <paramref name="tenant"/>'s <paramref name="workspace"/> in.</summary>
    ValueTask<bool> IsLiveAsync(string tenant, string workspace, string child, CancellationToken cancellationToken);
}
