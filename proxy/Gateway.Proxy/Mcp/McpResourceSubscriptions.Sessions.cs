using Gateway.Store;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// A subscribed session ended on another replica (a client's <c>DELETE /mcp</c>, or a session that gave way there): its
/// record is gone from the shared store, read at each update the session would hear (<see cref="IsEndedAsync"/>), so it
/// hears none; it is ended here too (<see cref="EndHere"/>): its every subscription, and the SDK's session, its <c>GET</c>
/// stream closed.
/// </summary>
internal sealed partial class McpResourceSubscriptions
{
    /// <summary>True when the record of session <paramref name="sessionId"/> of <paramref name="tenant"/> is gone from the state store (ended, given way or expired on any replica); null when it cannot be read.</summary>
    private async ValueTask<bool?> IsEndedAsync(string tenant, string sessionId, CancellationToken cancellationToken)
    {
        try
        {
            return await _store.GetAsync(StoreKeys.McpSession(tenant, sessionId), cancellationToken).ConfigureAwait(false) is null;
        }
        catch (StateStoreUnavailableException ex)
        {
            LogSessionUnchecked(_logger, tenant, ex.GetType().Name);
            return null;
        }
    }

    /// <summary>Ends here the session <paramref name="sessionId"/>, ended on another replica: its subscriptions, then its SDK session (not from within the server's notification).</summary>
    private void EndHere(string sessionId) => _ = Task.Run(async () =>
    {
        await EndedAsync(sessionId).ConfigureAwait(false);
        await _served.EndAsync(sessionId).ConfigureAwait(false);
    }, CancellationToken.None);

    [LoggerMessage(EventId = 4333, Level = LogLevel.Warning, Message = "A resource subscription of an MCP session (tenant {Tenant}) ended: whether its session still lives could not be read ({Error})")]
    private static partial void LogSessionUnchecked(ILogger logger, string tenant, string error);
}
