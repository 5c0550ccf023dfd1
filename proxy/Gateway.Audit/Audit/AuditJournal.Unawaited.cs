using System.Collections.Concurrent;
using Gateway.Store;

namespace Gateway.Audit;

/// <summary>The journal's appends that no caller awaits: the outcome of a request already answered (docs/approvals-and-audit.md, "Outcome unknown").</summary>
public sealed partial class AuditJournal
{
    // The appends no caller awaits (AppendUnawaited), by ticket: a placeholder (null) until its task is known.
    private readonly ConcurrentDictionary<long, Task?> _unawaited = new();
    private long _unawaitedTickets;

    /// <summary>
    /// Appends the entry without its caller waiting (the outcome of a request already answered): it is queued to its
    /// chain's group commit before this returns, so it goes with a later group, in the same chain and after anything the
    /// caller appended before: the group of the chain's next awaited append, or its own once <c>Gateway:Audit:OutcomeLinger</c>
    /// has passed; when the sink cannot take it, it joins the backlog as it is (its request was answered).
    /// Reads of this journal and the host's shutdown wait for such appends (<see cref="WaitForUnawaitedAsync"/>).
    /// A token budget's <paramref name="settle"/> is made in the same store call as the entry's group, only when the group
    /// is appended (<see cref="SettlesWithAppends"/>; a group the sink cannot take settles nothing: the reservation stands).
    /// Returns the append's task, which never faults: complete once the entry is durable or in the backlog.
    /// </summary>
    /// <exception cref="InvalidOperationException">A settle for a sink that cannot settle with its appends.</exception>
    public Task AppendUnawaited(AuditEntry entry, BudgetSettle? settle = null)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Identifiers.ThrowIfInvalidTenant(entry.Tenant);
        if (settle is not null && !SettlesWithAppends)
        {
            throw new InvalidOperationException("The audit sink cannot settle with its appends.");
        }

        var ticket = Interlocked.Increment(ref _unawaitedTickets);
        _unawaited[ticket] = null;
        var appending = AppendUnawaitedAsync(ticket, entry, settle);

        // Removed already when it completed at once; else its task, for those who wait for it.
        _unawaited.TryUpdate(ticket, appending, null);
        return appending;
    }

    /// <summary>Whether the sink makes a token budget's settle in its appends' store call (<see cref="IAdmittingAuditStore"/>).</summary>
    public bool SettlesWithAppends => _store is IAdmittingAuditStore;

    /// <summary>
    /// Completes once every append made with <see cref="AppendUnawaited"/> before this call is durable or in the backlog:
    /// what a read of this journal waits for (an answered request's outcome is read with it), and the host's shutdown.
    /// </summary>
    public Task WaitForUnawaitedAsync(CancellationToken cancellationToken = default)
    {
        if (_unawaited.IsEmpty)
        {
            return Task.CompletedTask;
        }

        // What lingers for its chain's next group is sent now: the reader waits a round trip, not the linger.
        foreach (var chains in _writers.Values)
        {
            foreach (var writer in chains)
            {
                writer?.SendLingering();
            }
        }

        // A placeholder is an append its caller is still queuing: not one made before this call.
        var pending = _unawaited.Values.OfType<Task>().ToArray();
        return pending.Length == 0 ? Task.CompletedTask : Task.WhenAll(pending).WaitAsync(cancellationToken);
    }

    /// <summary>Completes once no append made with <see cref="AppendUnawaited"/> is in flight: the host's shutdown, after its last request.</summary>
    public async Task DrainUnawaitedAsync(CancellationToken cancellationToken = default)
    {
        while (!_unawaited.IsEmpty)
        {
            await WaitForUnawaitedAsync(cancellationToken).ConfigureAwait(false);
            await Task.Yield();
        }
    }

    private async Task AppendUnawaitedAsync(long ticket, AuditEntry entry, BudgetSettle? settle)
    {
        try
        {
            await AppendCoreAsync(entry, receipt: false, answered: true, CancellationToken.None, settle: settle).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // No one awaits it: a sink that failed put it in the backlog (AppendCoreAsync), written once the sink takes appends again.
            AuditLog.AuditUnawaitedFailed(_logger, ex, entry.Tenant);
        }
        finally
        {
            _unawaited.TryRemove(ticket, out _);
        }
    }
}
