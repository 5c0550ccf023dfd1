using System.Text.Json;

namespace Gateway.Audit;

internal sealed partial class AuditChainWriter
{
    // The group's explanations that this writer has not stored yet, each once (in its Unstored). A digest counts as stored
    // once a group carrying it is acknowledged: a group sealed while that one is in flight carries it again (harmless).
    // A sink whose retention drops explanations gets every one of the group's (one stored before may be gone).
    private List<AuditExplanation> ToStore(Group group)
    {
        var explanations = group.Unstored;
        explanations.Clear();
        var every = _store.DropsUnreferencedExplanations;
        lock (_digestsGate)
        {
            foreach (var (_, _, explanation) in group.Records)
            {
                if (explanation is not null && (every || !_storedDigests.Contains(explanation.Digest)) && !Holds(explanations, explanation.Digest))
                {
                    explanations.Add(explanation);
                }
            }
        }

        return explanations;
    }

    // A loop, not List.Exists with a lambda: that captured each record's explanation in a closure of its own.
    private static bool Holds(List<AuditExplanation> explanations, string digest)
    {
        foreach (var explanation in explanations)
        {
            if (explanation.Digest == digest)
            {
                return true;
            }
        }

        return false;
    }

    private void Remember(List<AuditExplanation> stored)
    {
        lock (_digestsGate)
        {
            if (_storedDigests.Count + stored.Count > MaxRememberedDigests)
            {
                _storedDigests.Clear();
            }

            foreach (var explanation in stored)
            {
                _storedDigests.Add(explanation.Digest);
            }
        }
    }

    // Forgets every digest remembered as stored (Drain).
    private void ForgetStored()
    {
        lock (_digestsGate)
        {
            _storedDigests.Clear();
        }
    }

    // The latest time this writer sealed a record at (UTC ticks; the sealer's, and a finish's that seals a group again).
    private long _sealedTicks;

    // Seals each record on the previous one (repeated refusals, outcomes and decisions of one kind folded into one: AuditGroupFold),
    // into the group's lines and records, on the chain's end <paramref name="tip"/>; sets the group's tip and last hash.
    // A record's time is its own (TimeOf) or, when that is earlier, the time of the record before it, this group's, the
    // last group this writer sealed or the chain's last stored record (the tip's LastTime): times never go back along the
    // chain. An entry that cannot be sealed fails alone.
    private void Seal(Group group, AuditTip tip)
    {
        group.ClearAttempt();
        group.Tip = tip;
        var lines = group.Lines;
        var records = group.Records;
        var previous = tip.LastHash;
        var now = _time.GetUtcNow();

        // Not before the chain's last stored record either (read with the tip from the sink): after a restart this writer
        // has sealed nothing yet, and the clock may have stepped back since that record was sealed (NTP, another node).
        var last = new DateTimeOffset(Math.Max(Volatile.Read(ref _sealedTicks), tip.LastTime?.UtcTicks ?? 0), TimeSpan.Zero);
        var waiting = group.Waiting;
        foreach (var pending in group.Pendings)
        {
            if (!pending.IsSettled)
            {
                waiting.Add(pending);
            }
        }

        // A group of one is sealed with its Waiting as its pendings (AuditGroupFold): it stays as it is until the group is done.
        var folded = group.Folded;
        AuditGroupFold.Fold(waiting, static pending => pending.Entry, _explanations, folded, group.FoldKinds);
        foreach (var (entry, pendings) in folded)
        {
            try
            {
                var time = TimeOf(pendings, now) is var own && own < last ? last : own;
                var (record, line, explanation) = AuditSeal.Seal(entry, _partition.Replica, tip.Length + lines.Count + 1, time, previous, _explanations);
                lines.Add(line);
                records.Add((pendings, record, explanation));
                previous = record.Hash!;
                last = time;
            }
            catch (Exception ex) when (ex is ArgumentException or JsonException)
            {
                foreach (var pending in pendings)
                {
                    pending.Fail(ex);
                }
            }
        }

        group.LastHash = previous;
        RaiseSealedTime(last.UtcTicks);
    }

    // Keeps the latest sealed time (a group sealed again after a conflict may run beside the sealer).
    private void RaiseSealedTime(long ticks)
    {
        var seen = Volatile.Read(ref _sealedTicks);
        while (ticks > seen)
        {
            var was = Interlocked.CompareExchange(ref _sealedTicks, ticks, seen);
            if (was == seen)
            {
                return;
            }

            seen = was;
        }
    }

    // A record's own time: the earliest of its appends' (an answered request's outcome's when it was appended, any other's
    // the group's seal, now).
    private static DateTimeOffset TimeOf(List<Pending> pendings, DateTimeOffset now)
    {
        var time = now;
        foreach (var pending in pendings)
        {
            if (pending.Answered is { } answered && answered < time)
            {
                time = answered;
            }
        }

        return time;
    }

    // The group's leaf hashes in chain order (one per line written; the seal computed each).
    // The group's leaves, through a list kept for it (emptied once handed over: it holds no record alive).
    private void AppendLeaves(long firstSeq, List<(List<Pending> Pendings, AuditRecord Record, AuditExplanation? Explanation)> records)
    {
        if (_leaves is null)
        {
            return;
        }

        var hashes = _leafHashes;
        foreach (var (_, record, _) in records)
        {
            hashes.Add(record.LeafHash!);
        }

        try
        {
            _leaves.Appended(_partition, firstSeq, hashes, records.Count > 0 ? records[^1].Record.Hash : null);
        }
        finally
        {
            hashes.Clear();
        }
    }
}
