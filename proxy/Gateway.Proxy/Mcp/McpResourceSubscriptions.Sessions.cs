using Gateway.Oversight.Agents;
using Gateway.Store;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// A subscribed session ended on another replica (a client's <c>DELETE /mcp</c>, or a session that gave way there): its
/// record is gone from the shared store, read at each update the session would hear with its caller's kill switches (<see cref="HearingOfAsync"/>), so it
/// hears none; it is ended here too (<see cref="EndHere"/>): its every subscription, and the SDK's session, its <c>GET</c>
/// stream closed.
/// </summary>
internal sealed partial class McpResourceSubscriptions
{
    /// <summary>Whether a subscribed session hears an update: it does, it does not, or it ended on another replica (its record gone).</summary>
    private enum Hearing
    {
        Hears,
        Withheld,
        Ended,
    }

    /// <summary>
    /// Whether the session <paramref name="sessionId"/> of <paramref name="listener"/> hears an update of <paramref name="key"/>'s resource:
    /// withheld unless its caller may read it under the policy in force (<see cref="Permits"/>); then the session's record and its
    /// caller's kill switches read in one store call (ended when the record is gone, withheld when a switch stops it or they cannot
    /// be read), then the rest of what keeps it live (<see cref="IsLiveAsync"/>).
    /// </summary>
    private async ValueTask<Hearing> HearingOfAsync((string Tenant, string Server, string Uri) key, string sessionId, Listener listener, CancellationToken cancellationToken)
    {
        if (!Permits(key.Tenant, key.Server, key.Uri, listener))
        {
            return Hearing.Withheld;
        }

        var switches = AgentStatusService.CallerSwitchKeys(listener.Switches);
        IReadOnlyList<string?> values;
        try
        {
            values = await _store.GetManyAsync([.. switches, StoreKeys.McpSession(key.Tenant, sessionId)], cancellationToken).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException ex)
        {
            LogSessionUnchecked(_logger, key.Tenant, ex.GetType().Name);
            return Hearing.Withheld;
        }

        if (values[switches.Length] is null)
        {
            return Hearing.Ended;
        }

        return AgentStatusService.StopOf(listener.Switches, values, switches.Length) == KillSwitchStop.None
            && await IsLiveAsync(key.Tenant, listener, switchesRead: true, cancellationToken).ConfigureAwait(false)
                ? Hearing.Hears
                : Hearing.Withheld;
    }

    /// <summary>Ends here the session <paramref name="sessionId"/>, ended on another replica: its subscriptions, then its SDK session (not from within the server's notification).</summary>
    private void EndHere(string sessionId) => _ = Task.Run(async () =>
    {
        await EndedAsync(sessionId).ConfigureAwait(false);
        await _served.EndAsync(sessionId).ConfigureAwait(false);
    }, CancellationToken.None);

    [LoggerMessage(EventId = 4333, Level = LogLevel.Warning, Message = "A resource subscription of an MCP session (tenant {Tenant}) ended: whether its session still lives, or a kill switch stops it, could not be read ({Error})")]
    private static partial void LogSessionUnchecked(ILogger logger, string tenant, string error);
}
