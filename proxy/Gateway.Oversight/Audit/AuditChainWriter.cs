using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Gateway.Oversight.Audit;

/// <summary>
/// Group commit for one chain (a tenant's records written by this replica). Appends queue; whoever
/// finds no group in flight starts the writer, which takes everything queued (up to
/// <see cref="MaxGroup"/>), seals each record on the previous one's hash, and appends the group in one
/// store call (one round trip, or one fsync). Records that arrive meanwhile form the next group. Each
/// append completes only when its group is durable; a failed group fails each of its appends.
/// </summary>
internal sealed class AuditChainWriter
{
    /// <summary>The most records one group carries.</summary>
    public const int MaxGroup = 256;

    private readonly AuditPartition _partition;
    private readonly IAuditStore _store;
    private readonly TimeProvider _time;
    private readonly OversightMetrics _metrics;
    private readonly ILogger _logger;
    private readonly int _maxAttempts;
    private readonly Lock _gate = new();
    private readonly Queue<Pending> _queue = new();
    private bool _writing;
    private AuditTip? _tip;

    public AuditChainWriter(AuditPartition partition, IAuditStore store, TimeProvider time, OversightMetrics metrics, ILogger logger, int maxAttempts)
    {
        _partition = partition;
        _store = store;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _maxAttempts = maxAttempts;
    }

    /// <summary>Queues the entry; the task completes with the sealed record once it is durable.</summary>
    public Task<AuditRecord> AppendAsync(AuditEntry entry)
    {
        var pending = new Pending(entry);
        bool start;
        lock (_gate)
        {
            _queue.Enqueue(pending);
            start = !_writing;
            _writing = true;
        }

        if (start)
        {
            _ = WriteQueuedAsync();
        }

        return pending.Completion.Task;
    }

    private async Task WriteQueuedAsync()
    {
        var group = new List<Pending>(16);
        for (var round = 0; ; round++)
        {
            if (round > 0)
            {
                // The first group is written on the caller's thread; later ones never hold it up.
                await Task.Yield();
            }

            group.Clear();
            lock (_gate)
            {
                while (group.Count < MaxGroup && _queue.TryDequeue(out var next))
                {
                    group.Add(next);
                }

                if (group.Count == 0)
                {
                    _writing = false;
                    return;
                }
            }

            await WriteGroupAsync(group).ConfigureAwait(false);
        }
    }

    private async Task WriteGroupAsync(List<Pending> group)
    {
        try
        {
            for (var attempt = 1; attempt <= _maxAttempts; attempt++)
            {
                var tip = _tip ?? await _store.GetTipAsync(_partition).ConfigureAwait(false);
                var sealedGroup = Seal(group, tip);
                if (sealedGroup.Lines.Count == 0)
                {
                    return;
                }

                if (await _store.TryAppendAsync(_partition, tip.Length, sealedGroup.Lines, sealedGroup.LastHash).ConfigureAwait(false))
                {
                    _tip = new AuditTip(tip.Length + sealedGroup.Lines.Count, sealedGroup.LastHash);
                    foreach (var (pendings, record) in sealedGroup.Records)
                    {
                        _metrics.AuditAppended(record.Tenant, record.Decision);
                        foreach (var pending in pendings)
                        {
                            pending.Completion.TrySetResult(record);
                        }
                    }

                    return;
                }

                // Another writer extended this chain (two processes sharing a replica id): re-read the tip.
                _tip = null;
                _metrics.AuditConflict(_partition.Tenant, _partition.Replica);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 + attempt)), _time).ConfigureAwait(false);
            }

            OversightLog.AuditContended(_logger, _partition.Tenant, _maxAttempts);
            Fail(group, new AuditWriteException($"The audit chain of tenant '{_partition.Tenant}' stayed contended for {_maxAttempts} attempts."));
        }
        catch (Exception ex)
        {
            _tip = null;
            OversightLog.AuditAppendFailed(_logger, ex, _partition.Tenant);
            Fail(group, new AuditWriteException("The audit record could not be written.", ex));
        }
    }

    // Seals each record on the previous one (repeated refusals folded into one, AuditRefusalAggregation);
    // an entry that cannot be sealed fails alone.
    private (List<byte[]> Lines, List<(List<Pending> Pending, AuditRecord Record)> Records, string LastHash) Seal(List<Pending> group, AuditTip tip)
    {
        var lines = new List<byte[]>(group.Count);
        var records = new List<(List<Pending>, AuditRecord)>(group.Count);
        var previous = tip.LastHash;
        var now = _time.GetUtcNow();
        var waiting = group.FindAll(static pending => !pending.Completion.Task.IsCompleted);
        foreach (var (entry, pendings) in AuditRefusalAggregation.Fold(waiting, static pending => pending.Entry))
        {
            try
            {
                var (record, line) = AuditSeal.Seal(AuditRecord.From(entry, _partition.Replica, tip.Length + lines.Count + 1, now, previous));
                lines.Add(line);
                records.Add((pendings, record));
                previous = record.Hash!;
            }
            catch (Exception ex) when (ex is ArgumentException or JsonException)
            {
                foreach (var pending in pendings)
                {
                    pending.Completion.TrySetException(ex);
                }
            }
        }

        return (lines, records, previous);
    }

    private static void Fail(List<Pending> group, Exception error)
    {
        foreach (var pending in group)
        {
            pending.Completion.TrySetException(error);
        }
    }

    private sealed class Pending(AuditEntry entry)
    {
        public AuditEntry Entry { get; } = entry;

        public TaskCompletionSource<AuditRecord> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
