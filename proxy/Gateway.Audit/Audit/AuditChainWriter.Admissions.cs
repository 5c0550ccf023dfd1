using Gateway.Store;

namespace Gateway.Audit;

// The admissions a group carries into its store call (IAdmittingAuditStore): one round trip for the records and them.
internal sealed partial class AuditChainWriter
{
    // The group's admissions in group order and the appends that carry them (filled and emptied by the group in flight).
    private readonly List<AdmissionRequest> _admissions = new(16);
    private readonly List<Pending> _admitting = new(16);

    // The group's store call: with the admissions of its sealed appends when any carries one (each append then holds its
    // own outcome, Pending.Admitted), else the plain append. Not appended: nothing was admitted, and the next attempt
    // carries them again.
    private async ValueTask<bool> AppendGroupAsync(List<Pending> group, long expectedLength, string lastHash, List<AuditExplanation> explanations)
    {
        _admissions.Clear();
        _admitting.Clear();
        foreach (var pending in group)
        {
            // An append that failed alone (its entry could not be sealed) has no record and carries no admission.
            if (!pending.IsSettled && pending.Admission is { } admission)
            {
                _admissions.Add(admission);
                _admitting.Add(pending);
            }
        }

        if (_admissions.Count == 0 || _store is not IAdmittingAuditStore admitting)
        {
            return await _store.TryAppendAsync(_partition, expectedLength, _lines, lastHash, explanations, _batches).ConfigureAwait(false);
        }

        var result = await admitting.TryAppendAdmittingAsync(_partition, expectedLength, _lines, lastHash, explanations, _batches, _admissions).ConfigureAwait(false);
        if (!result.Appended)
        {
            return false;
        }

        if (result.Outcomes.Count != _admitting.Count)
        {
            // Fail closed: an answer that does not give each admission its outcome fails the group.
            throw new InvalidOperationException($"The audit sink answered {result.Outcomes.Count} admission outcomes for {_admitting.Count} admissions.");
        }

        for (var i = 0; i < _admitting.Count; i++)
        {
            _admitting[i].Admitted = result.Outcomes[i];
        }

        return true;
    }
}
