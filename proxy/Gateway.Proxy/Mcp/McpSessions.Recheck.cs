using Gateway.Oversight.Agents;
using Gateway.Oversight.Delegations;
using Gateway.Store;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// The recheck of the calls in flight on this replica (<see cref="McpEndpointOptions.InFlightRecheckInterval"/>, 1 s by
/// default): a kill switch thrown, or a delegation revoked, through another replica raises no event here, so while calls
/// are in flight a timer reads, once per interval and in one store call per distinct caller, whether a switch stops it
/// (read as the Admit stage reads it, <see cref="AgentStatusService.StopOf(uint, bool)"/>) and, for a delegated child, whether its
/// chain is still live (<see cref="DelegationStore.IsChainLive"/>); its calls end as the local event ends them. A caller
/// whose reading fails keeps its calls through that recheck (a store blip ends nothing); still unreadable at a recheck one
/// interval or more after its own first failure (each caller's counted apart, forgotten once it is read or has no call
/// here), its calls end, as its next request would be refused (503). No call in flight: no timer, no read.
/// </summary>
internal sealed partial class McpSessions
{
    private readonly Lock _recheckGate = new();
    private ITimer? _recheckTimer;
    private int _rechecking;
    private Dictionary<RecheckedCaller, DateTimeOffset> _unreadableSince = [];

    /// <summary>Arms the recheck when a call begins here, unless it is armed already.</summary>
    private void RecheckWhileInFlight()
    {
        lock (_recheckGate)
        {
            _recheckTimer ??= _time.CreateTimer(static state => _ = ((McpSessions)state!).RecheckAsync(), this, _recheckInterval, _recheckInterval);
        }
    }

    /// <summary>One recheck of every call in flight here (the timer's; internal so that a test runs one); the timer stops once none is.</summary>
    internal async Task RecheckAsync()
    {
        if (_inFlight.IsEmpty && StopRecheckingIfIdle())
        {
            return;
        }

        // A recheck still reading (a slow store) is not overtaken by the next.
        if (Interlocked.Exchange(ref _rechecking, 1) != 0)
        {
            return;
        }

        try
        {
            await RecheckCallsAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogRecheckFailed(_logger, ex.GetType().Name);
        }
        finally
        {
            Volatile.Write(ref _rechecking, 0);
        }
    }

    private async Task RecheckCallsAsync()
    {
        var callers = new Dictionary<RecheckedCaller, string?>();
        foreach (var (_, call) in _inFlight)
        {
            callers.TryAdd(new RecheckedCaller(call.Switches, call.RegisteredAgent, string.Join('/', call.Delegates)), null);
        }

        var unreadable = new HashSet<RecheckedCaller>();
        foreach (var caller in callers.Keys)
        {
            try
            {
                callers[caller] = await EndingOfAsync(caller).ConfigureAwait(false);
            }
            catch (StateStoreUnavailableException)
            {
                unreadable.Add(caller);
            }
        }

        var now = _time.GetUtcNow();
        var failing = FailingSince(unreadable, now);
        var ended = failing.Count(pair => now - pair.Value >= _recheckInterval);
        if (unreadable.Count > ended)
        {
            LogRecheckUnreadable(_logger, unreadable.Count - ended, "kept");
        }

        if (ended > 0)
        {
            LogRecheckUnreadable(_logger, ended, "ended");
        }

        foreach (var (key, call) in _inFlight)
        {
            var caller = new RecheckedCaller(call.Switches, call.RegisteredAgent, string.Join('/', call.Delegates));
            var reason = callers.GetValueOrDefault(caller)
                ?? (failing.TryGetValue(caller, out var since) && now - since >= _recheckInterval ? McpCallCancellation.ByGateway : null);
            if (reason is not null && _inFlight.TryRemove(new KeyValuePair<CallKey, InFlightCall>(key, call)))
            {
                EndEach(call, reason, key.Tenant);
            }
        }
    }

    /// <summary>
    /// When each caller unreadable at this recheck first failed (now, for one read at the last recheck or not in flight then);
    /// kept for the next recheck, which forgets whoever is read again or has no call left. Kept empty once the timer stopped meanwhile.
    /// </summary>
    private Dictionary<RecheckedCaller, DateTimeOffset> FailingSince(HashSet<RecheckedCaller> unreadable, DateTimeOffset now)
    {
        lock (_recheckGate)
        {
            var failing = new Dictionary<RecheckedCaller, DateTimeOffset>(unreadable.Count);
            foreach (var caller in unreadable)
            {
                failing[caller] = _unreadableSince.GetValueOrDefault(caller, now);
            }

            _unreadableSince = _recheckTimer is null ? [] : failing;
            return failing;
        }
    }

    /// <summary>Why the caller's calls end now (null: they go on), read in one store call: its kill switches, then a delegated child's chain.</summary>
    private async ValueTask<string?> EndingOfAsync(RecheckedCaller caller)
    {
        var switches = AgentStatusService.CallerSwitchKeys(caller.Switches);
        var delegates = caller.Delegates.Length == 0 ? [] : caller.Delegates.Split('/');
        IReadOnlyList<string> keys = delegates.Length == 0
            ? switches
            : [.. switches, .. DelegationStore.LivenessKeys(caller.Switches.Tenant, caller.RegisteredAgent, delegates)];
        var values = await _store.GetManyAsync(keys).ConfigureAwait(false);
        if (AgentStatusService.StopOf(caller.Switches, values, switches.Length) != KillSwitchStop.None)
        {
            return McpCallCancellation.ByKillSwitch;
        }

        return delegates.Length > 0 && !DelegationStore.IsChainLive([.. values.Skip(switches.Length)]) ? McpCallCancellation.ByRevocation : null;
    }

    /// <summary>Stops the timer when no call is in flight (checked again under the gate a call's start arms it under); true when stopped.</summary>
    private bool StopRecheckingIfIdle()
    {
        lock (_recheckGate)
        {
            if (!_inFlight.IsEmpty)
            {
                return false;
            }

            if (_recheckTimer is null)
            {
                return true;
            }

            _recheckTimer.Dispose();
            _recheckTimer = null;
            _unreadableSince = [];
            return true;
        }
    }

    /// <summary>Stops the recheck for good (the sessions disposed).</summary>
    private void StopRechecking()
    {
        lock (_recheckGate)
        {
            _recheckTimer?.Dispose();
            _recheckTimer = null;
        }
    }

    [LoggerMessage(EventId = 4326, Level = LogLevel.Warning, Message = "The kill switches of {Callers} callers with MCP calls in flight could not be read at the recheck; their calls were {Outcome}")]
    private static partial void LogRecheckUnreadable(ILogger logger, int callers, string outcome);

    [LoggerMessage(EventId = 4327, Level = LogLevel.Error, Message = "The recheck of the MCP calls in flight failed ({Error}); the next one runs at the next interval")]
    private static partial void LogRecheckFailed(ILogger logger, string error);

    /// <summary>One caller among the calls in flight: whose switches stop it, its registered agent, and a delegated child's chain of children (joined by '/'; empty for an agent).</summary>
    private readonly record struct RecheckedCaller(KillSwitchCaller Switches, string RegisteredAgent, string Delegates);
}
