using Gateway.Store;

namespace Gateway.Audit;

// The end of each group, in the order the groups were sealed: settled, sealed again after a conflict, or failed; then its
// appends completed and the group let go.
internal sealed partial class AuditChainWriter
{
    // A group's end, after the groups sealed before it: settles its appends when its call appended it; after a conflict
    // (nothing appended) seals it again on the end read back, while nothing new is sealed; then completes its appends.
    private async Task FinishAsync(Group group, ValueTask<bool> call, Task previous)
    {
        await previous.ConfigureAwait(false);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                if (await call.ConfigureAwait(false))
                {
                    Appended(group);
                    break;
                }

                // Another writer extended this chain (two processes sharing a replica id), or a group before this one was not
                // appended: nothing new is sealed until the groups in flight have finished, each sealed again on the end read back.
                Drain();
                _metrics.AuditConflict(_partition.Tenant, _partition.Replica);
                if (attempt >= _maxAttempts)
                {
                    AuditLog.AuditContended(_logger, _partition.Tenant, _maxAttempts);
                    Fail(group.Pendings, new AuditWriteException($"The audit chain of tenant '{_partition.Tenant}' stayed contended for {_maxAttempts} attempts."));
                    break;
                }

                if (attempt > 1)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 + attempt)), _time).ConfigureAwait(false);
                }

                call = Send(group, await _store.GetTipAsync(_partition).ConfigureAwait(false));
            }
        }
        catch (Exception ex)
        {
            _durableTip = null;
            Volatile.Write(ref _signingInFlight, false);
            Drain();
            AuditLog.AuditAppendFailed(_logger, ex, _partition.Tenant);
            Fail(group.Pendings, new AuditWriteException("The audit record could not be written.", ex));
        }

        Complete(group);
    }

    // After a failed or conflicted group: nothing is sealed until every group in flight has finished (Release), and the
    // digests remembered as stored are forgotten (one the group carried may not be stored).
    private void Drain()
    {
        lock (_gate)
        {
            _draining = true;
        }

        ForgetStored();
    }

    private void Appended(Group group)
    {
        _durableTip = group.End;
        Volatile.Write(ref _signingInFlight, _signInFlight);
        Remember(group.Unstored);
        foreach (var (pendings, record, _) in group.Records)
        {
            _metrics.AuditAppended(record.Tenant, record.Decision);
            foreach (var pending in pendings)
            {
                pending.Settle(new AuditAppended(record, pending.Receipt ? pending.Issued : null) { Admission = pending.Admitted });
            }
        }

        // After the waiters: the Merkle tree's leaves of this chain, without reading the lines back.
        AppendLeaves(group.Tip.Length + 1, group.Records);
    }

    // Completes the group's appends (the whole group here, the sealer it may restart on the thread pool; or each but the
    // last on the thread pool) and lets go of the group.
    private void Complete(Group group)
    {
        foreach (var pending in group.Pendings)
        {
            // Fail closed should a path of the write ever leave one unsettled (the exception made only then).
            if (!pending.IsSettled)
            {
                pending.Fail(new AuditWriteException("The audit record was not written."));
            }

            _metrics.AuditAppendPhase(AuditMetrics.PhaseSeal, group.Sealing);
            _metrics.AuditAppendPhase(AuditMetrics.PhaseWrite, group.Writing);
        }

        group.ClearAttempt();
        if (GroupWaiters.WholeGroupInline)
        {
            var taken = InlineGroup<Pending>.TakeOut(group.Pendings);
            if (Release(group))
            {
                ThreadPool.UnsafeQueueUserWorkItem(static writer => _ = writer.SealQueuedAsync(), this, preferLocal: false);
            }

            taken.CompleteHeld();
            return;
        }

        var pendings = group.Pendings;
        for (var i = 0; i < pendings.Count - 1; i++)
        {
            pendings[i].CompleteOnThreadPool();
        }

        var last = pendings[^1];
        if (Release(group))
        {
            // The next group is sealed here; the last append goes on from the thread pool.
            last.CompleteOnThreadPool();
            _ = SealQueuedAsync();
            return;
        }

        last.CompleteInlineWhenOn();
    }

    // Gives the group back (emptied, so that it keeps no append alive) and ends a drain once nothing is in flight; whether the
    // caller now starts the sealer.
    private bool Release(Group group)
    {
        group.Reset();
        lock (_gate)
        {
            _idle.Push(group);
            _inFlight--;
            if (_draining && _inFlight == 0)
            {
                _draining = false;
                _sealedTip = _durableTip;
            }

            if (TryClaimSealer())
            {
                return true;
            }

            ArmLingerLocked();
            return false;
        }
    }
}
