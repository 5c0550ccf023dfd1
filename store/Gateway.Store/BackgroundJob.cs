namespace Gateway.Store;

/// <summary>
/// One of the embedded store's jobs beside its callers (sealing logs into their files, retiring their first entries,
/// rewriting the journal), one run at a time: a start while a run is under way is kept, and the job started once that
/// run ends, so that what grew during a run (entries appended while a sealing wrote its files) is never left waiting for
/// the next caller.
/// </summary>
internal sealed class BackgroundJob
{
    private readonly SemaphoreSlim _running = new(1, 1);
    private Task _run = Task.CompletedTask;
    private Func<Task>? _requested;

    /// <summary>
    /// Runs <paramref name="job"/> on the thread pool, now or, when a run is under way, once it ends. An I/O failure leaves
    /// the store as the job found it (or, where the job says so, failed closed) and is tried again at the next start.
    /// </summary>
    public void Start(Func<Task> job)
    {
        // Asked for first, then tried: a run ending meanwhile releases before it looks, so one of the two starts it.
        Volatile.Write(ref _requested, job);
        if (!_running.Wait(0))
        {
            return;
        }

        Interlocked.Exchange(ref _requested, null);
        // Made known before it starts, so that a run it starts as it ends is never overwritten by it here.
        var run = new Task<Task>(async () =>
        {
            try
            {
                await job().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or StateStoreUnavailableException or ObjectDisposedException)
            {
                // Nothing is lost: what the job would have moved is still in the journal.
            }
            finally
            {
                ReleaseAndStartRequested();
            }
        });
        Volatile.Write(ref _run, run.Unwrap());
        run.Start(TaskScheduler.Default);
    }

    /// <summary>Runs <paramref name="job"/> now, on the caller's side, unless a run is under way (false then); its failure is the caller's.</summary>
    public async Task<bool> TryRunAsync(Func<Task> job)
    {
        if (!_running.Wait(0))
        {
            return false;
        }

        await RunHeldAsync(job).ConfigureAwait(false);
        return true;
    }

    /// <summary>Runs <paramref name="job"/> on the caller's side once the run under way, if any, is over; its failure is the caller's.</summary>
    public async Task RunAsync(Func<Task> job, CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
        await RunHeldAsync(job).ConfigureAwait(false);
    }

    /// <summary>Waits out the run under way, if any, and those started as it ended.</summary>
    public void Wait()
    {
        Task run;
        do
        {
            run = Volatile.Read(ref _run);
            run.Wait();
        }
        while (!ReferenceEquals(run, Volatile.Read(ref _run)));
    }

    private async Task RunHeldAsync(Func<Task> job)
    {
        try
        {
            await job().ConfigureAwait(false);
        }
        finally
        {
            ReleaseAndStartRequested();
        }
    }

    /// <summary>Ends a run: the next may begin, and a start asked for during this one begins now.</summary>
    private void ReleaseAndStartRequested()
    {
        _running.Release();
        if (Interlocked.Exchange(ref _requested, null) is { } requested)
        {
            Start(requested);
        }
    }
}
