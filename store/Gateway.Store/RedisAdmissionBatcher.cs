namespace Gateway.Store;

/// <summary>
/// Group commit for admissions (<see cref="RedisStateStore.AdmitAsync"/> with
/// <see cref="RedisStoreOptions.BatchAdmissions"/>): whoever finds no admission call in flight sends at
/// once (no timer, no thread of its own); admissions that arrive meanwhile queue and go, up to
/// <see cref="RedisStoreOptions.MaxAdmissionBatch"/> at a time and in arrival order, in the next call
/// when the current one completes. Each request keeps its own outcome; a failed call fails every
/// request it carried with <see cref="StateStoreUnavailableException"/> (fail closed).
/// </summary>
/// <remarks>
/// A caller's cancellation ends only its own wait: the call it is part of goes on for the others. A
/// request cancelled while still queued is never sent (its nonce stays unspent); one already sent is
/// decided by the store regardless, as a cancelled single call would be.
/// </remarks>
internal sealed class RedisAdmissionBatcher
{
    private readonly Func<IReadOnlyList<AdmissionRequest>, Task<AdmissionOutcome[]>> _send;
    private readonly int _maxBatch;
    private readonly Lock _gate = new();
    private readonly Queue<Pending> _queue = new();
    private bool _sending;

    /// <param name="send">Decides a batch in one store call: one outcome per request, in order.</param>
    /// <param name="maxBatch">The most requests one call carries.</param>
    public RedisAdmissionBatcher(Func<IReadOnlyList<AdmissionRequest>, Task<AdmissionOutcome[]>> send, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(send);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _send = send;
        _maxBatch = maxBatch;
    }

    /// <summary>Queues the (already validated) request; completes with its outcome once its batch is decided.</summary>
    public async ValueTask<AdmissionOutcome> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new Pending(request);
        bool start;
        lock (_gate)
        {
            _queue.Enqueue(pending);
            start = !_sending;
            _sending = true;
        }

        if (start)
        {
            _ = SendQueuedAsync();
        }

        if (!cancellationToken.CanBeCanceled)
        {
            return await pending.Completion.Task.ConfigureAwait(false);
        }

        using var registration = cancellationToken.UnsafeRegister(static (state, token) => ((Pending)state!).Completion.TrySetCanceled(token), pending);
        return await pending.Completion.Task.ConfigureAwait(false);
    }

    private async Task SendQueuedAsync()
    {
        var batch = new List<Pending>(16);
        var requests = new List<AdmissionRequest>(16);
        for (var round = 0; ; round++)
        {
            if (round > 0)
            {
                // The first batch is sent on the caller's thread; later ones never hold it up.
                await Task.Yield();
            }

            batch.Clear();
            requests.Clear();
            lock (_gate)
            {
                while (batch.Count < _maxBatch && _queue.TryDequeue(out var next))
                {
                    // Cancelled while queued: never sent.
                    if (!next.Completion.Task.IsCompleted)
                    {
                        batch.Add(next);
                        requests.Add(next.Request);
                    }
                }

                if (batch.Count == 0)
                {
                    _sending = false;
                    return;
                }
            }

            await SendAsync(batch, requests).ConfigureAwait(false);
        }
    }

    // Never throws: a batch that fails fails its requests, and the next batch is still sent.
    private async Task SendAsync(List<Pending> batch, List<AdmissionRequest> requests)
    {
        try
        {
            var outcomes = await _send(requests).ConfigureAwait(false);
            if (outcomes.Length != batch.Count)
            {
                throw new InvalidOperationException($"The admission batch of {batch.Count} returned {outcomes.Length} outcomes.");
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(outcomes[i]);
            }
        }
        catch (StateStoreUnavailableException ex)
        {
            Fail(batch, ex);
        }
        catch (Exception ex)
        {
            Fail(batch, new StateStoreUnavailableException("The admission batch failed: " + ex.Message, ex));
        }
    }

    private static void Fail(List<Pending> batch, StateStoreUnavailableException error)
    {
        foreach (var pending in batch)
        {
            pending.Completion.TrySetException(error);
        }
    }

    private sealed class Pending(AdmissionRequest request)
    {
        public AdmissionRequest Request { get; } = request;

        public TaskCompletionSource<AdmissionOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
