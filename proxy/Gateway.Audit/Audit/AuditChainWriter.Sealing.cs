using System.Text.Json;

namespace Gateway.Audit;

internal sealed partial class AuditChainWriter
{
    // The group's explanations that this writer has not stored yet, each once (in _unstored).
    private List<AuditExplanation> ToStore(List<(List<Pending> Pendings, AuditRecord Record, AuditExplanation? Explanation)> records)
    {
        var explanations = _unstored;
        explanations.Clear();
        foreach (var (_, _, explanation) in records)
        {
            if (explanation is not null && !_storedDigests.Contains(explanation.Digest) && !Holds(explanations, explanation.Digest))
            {
                explanations.Add(explanation);
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
        if (_storedDigests.Count + stored.Count > MaxRememberedDigests)
        {
            _storedDigests.Clear();
        }

        foreach (var explanation in stored)
        {
            _storedDigests.Add(explanation.Digest);
        }
    }

    // Seals each record on the previous one (repeated refusals, outcomes and decisions of one kind folded into one: AuditGroupFold),
    // into _lines and _records; the last record's hash. An entry that cannot be sealed fails alone.
    private string Seal(List<Pending> group, AuditTip tip)
    {
        var lines = _lines;
        var records = _records;
        lines.Clear();
        records.Clear();
        var previous = tip.LastHash;
        var now = _time.GetUtcNow();
        var waiting = _waiting;
        waiting.Clear();
        foreach (var pending in group)
        {
            if (!pending.IsSettled)
            {
                waiting.Add(pending);
            }
        }

        // A group of one is sealed with _waiting as its pendings (AuditGroupFold): it stays as it is until the group is done.
        var folded = _folded;
        AuditGroupFold.Fold(waiting, static pending => pending.Entry, _explanations, folded);
        foreach (var (entry, pendings) in folded)
        {
            try
            {
                var (record, line, explanation) = AuditSeal.Seal(entry, _partition.Replica, tip.Length + lines.Count + 1, now, previous, _explanations);
                lines.Add(line);
                records.Add((pendings, record, explanation));
                previous = record.Hash!;
            }
            catch (Exception ex) when (ex is ArgumentException or JsonException)
            {
                foreach (var pending in pendings)
                {
                    pending.Fail(ex);
                }
            }
        }

        return previous;
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
            _leaves.Appended(_partition, firstSeq, hashes);
        }
        finally
        {
            hashes.Clear();
        }
    }
}
