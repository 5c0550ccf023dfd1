namespace Gateway.Oversight.Notifications;

/// <summary>
/// The outbox of approval notifications, one entry per notification and channel, drained by <see cref="ApprovalNotifier"/>
/// with the incident outbox's rules (claim, attempt, due again after a backoff, dropped after the last attempt). It lives in
/// the process that opened the approval, like the embedded and Redis stores' incident outbox: a restart loses what had not
/// been delivered (logged as it is queued and as it is delivered). Queuing never blocks and never throws at the caller.
/// </summary>
public sealed class ApprovalNotificationOutbox(int capacity, int capacityPerTenant = int.MaxValue)
{
    private readonly object _gate = new();
    private readonly List<ApprovalOutboxEntry> _entries = [];
    private readonly TenantShares _shares = new(capacityPerTenant);
    private readonly SemaphoreSlim _wake = new(0, 1);

    public int Capacity { get; } = capacity;

    /// <summary>How many entries one tenant's approvals may hold.</summary>
    public int CapacityPerTenant => _shares.Limit;

    /// <summary>How many entries wait.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Queues <paramref name="entry"/>; false when the outbox is full or holds its tenant's share (nothing queued).</summary>
    public bool TryAdd(ApprovalOutboxEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var tenant = entry.Notification.Tenant;
        lock (_gate)
        {
            if (_entries.Count >= Capacity || !_shares.HasRoom(tenant))
            {
                return false;
            }

            _entries.Add(entry);
            _shares.Take(tenant);
        }

        Wake();
        return true;
    }

    /// <summary>Takes up to <paramref name="max"/> entries due at <paramref name="now"/> out of the outbox (the deliverer puts a failed one back).</summary>
    public IReadOnlyList<ApprovalOutboxEntry> ClaimDue(DateTimeOffset now, int max)
    {
        lock (_gate)
        {
            var due = _entries.Where(e => e.DueAt <= now).OrderBy(e => e.DueAt).Take(max).ToList();
            foreach (var entry in due)
            {
                _entries.Remove(entry);
                _shares.Release(entry.Notification.Tenant);
            }

            return due;
        }
    }

    /// <summary>The earliest due time, or null when empty.</summary>
    public DateTimeOffset? NextDue()
    {
        lock (_gate)
        {
            return _entries.Count == 0 ? null : _entries.Min(e => e.DueAt);
        }
    }

    /// <summary>Waits until woken or <paramref name="timeout"/> passes.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, cancellationToken);
        try
        {
            await _wake.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The timeout passed.
        }
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }
}
