using System.Runtime.CompilerServices;

namespace Gateway.Audit;

// The admissions and budget settles a group carries into its store call (IAdmittingAuditStore): one round trip for the records and them.
internal sealed partial class AuditChainWriter
{
    // The group's store call (its time in the group's Writing): with the admissions and settles of its sealed appends when any
    // carries one (each admitting append then holds its own outcome, Pending.Admitted), else the plain append. Not appended:
    // nothing was admitted or settled, and the next attempt carries them again.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> AppendGroupAsync(Group group, List<AuditExplanation> explanations)
    {
        var started = _time.GetTimestamp();
        try
        {
            var admissions = group.Admissions;
            var admittingPendings = group.Admitting;
            var settles = group.Settles;
            admissions.Clear();
            admittingPendings.Clear();
            settles.Clear();
            foreach (var pending in group.Pendings)
            {
                // An append that failed alone (its entry could not be sealed) has no record and carries nothing.
                if (pending.IsSettled)
                {
                    continue;
                }

                if (pending.Admission is { } admission)
                {
                    admissions.Add(admission);
                    admittingPendings.Add(pending);
                }

                if (pending.Settling is { } settle)
                {
                    settles.Add(settle);
                }
            }

            var expectedLength = group.Tip.Length;
            // Signed in flight, every group takes the admitting way, the way its batches' call takes right after it.
            if ((admissions.Count == 0 && settles.Count == 0 && !_signInFlight) || _store is not IAdmittingAuditStore admitting)
            {
                return await _store.TryAppendAsync(_partition, expectedLength, group.Lines, group.LastHash, explanations, group.Batches).ConfigureAwait(false);
            }

            var result = await admitting.TryAppendAdmittingAsync(_partition, expectedLength, group.Lines, group.LastHash, explanations, group.Batches, admissions, settles).ConfigureAwait(false);
            if (!result.Appended)
            {
                return false;
            }

            if (result.Outcomes.Count != admittingPendings.Count)
            {
                // Fail closed: an answer that does not give each admission its outcome fails the group.
                throw new InvalidOperationException($"The audit sink answered {result.Outcomes.Count} admission outcomes for {admittingPendings.Count} admissions.");
            }

            for (var i = 0; i < admittingPendings.Count; i++)
            {
                admittingPendings[i].Admitted = result.Outcomes[i];
            }

            return true;
        }
        finally
        {
            group.Writing += _time.GetElapsedTime(started);
        }
    }
}
