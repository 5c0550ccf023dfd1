namespace Gateway.Store;

/// <summary>
/// One of the embedded store's jobs beside its callers (sealing logs into their files, retiring their first entries,
/// rewriting the journal), one run at a time: a start while a run is under way does nothing.
/// </summary>
internal sealed class BackgroundJob
{
    private readonly SemaphoreSlim _running = new(1, 1);
    private Task _run = Task.CompletedTask;

    /// <summary>
    /// Runs <paramref name="job"/> on the thread pool unless a run is under way. An I/O failure leaves the store as the job
    /// found it (or, where the job says so, failed closed) and is tried again at the next start.
    /// </summary>
    public void Start(Func<Task> job)
    {
        if (!_running.Wait(0))
        {
            return;
        }

        _run = Task.Run(async () =>
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
                _running.Release();
            }
        });
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

    /// <summary>Waits out the run under way, if any.</summary>
    public void Wait() => _run.Wait();

    private async Task RunHeldAsync(Func<Task> job)
    {
        try
        {
            await job().ConfigureAwait(false);
        }
        finally
        {
            _running.Release();
        }
    }
}
