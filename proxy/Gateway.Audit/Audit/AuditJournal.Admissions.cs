using Gateway.Store;

namespace Gateway.Audit;

// The journal's appends that carry a request's admission (#71): one store call for the decision record and the admission.
public sealed partial class AuditJournal
{
    // The state store's admissions, for a sink that cannot admit with its appends (file, PostgreSQL): admitted first, then appended.
    private readonly IAdmissionStore? _admissions;

    /// <summary>
    /// <see cref="AppendWithReceiptAsync(AuditEntry, CancellationToken)"/> that also admits <paramref name="admission"/>
    /// (null: exactly that): with a sink that admits (<see cref="IAdmittingAuditStore"/>) in the same store call as the
    /// record's group, only once the group is appended (a conflicted group admits nothing and retries with it); with
    /// another sink, admitted first with the state store (<see cref="IAdmissionStore.AdmitAsync"/>, the admission store
    /// given at construction) and appended after: two waits. The outcome is on the returned
    /// <see cref="AuditAppended.Admission"/>, whatever it says (the record is appended either way).
    /// </summary>
    /// <exception cref="AuditWriteException">The group was not written: with a sink that admits, nothing was admitted
    /// either (the entry joins the backlog without its admission).</exception>
    /// <exception cref="StateStoreUnavailableException">With a sink that cannot admit: the admission failed; nothing was appended.</exception>
    /// <exception cref="InvalidOperationException">An admission for a sink that cannot admit, with no admission store given.</exception>
    public ValueTask<AuditAppended> AppendWithReceiptAsync(AuditEntry entry, AdmissionRequest? admission, CancellationToken cancellationToken = default)
    {
        if (admission is null)
        {
            return AppendCoreAsync(entry, receipt: true, answered: false, cancellationToken);
        }

        return _store is IAdmittingAuditStore
            ? AppendCoreAsync(entry, receipt: true, answered: false, cancellationToken, admission)
            : AdmitThenAppendAsync(entry, admission, cancellationToken);
    }

    // A sink without the capability: today's two waits, the admission first.
    private async ValueTask<AuditAppended> AdmitThenAppendAsync(AuditEntry entry, AdmissionRequest admission, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var admissions = _admissions ?? throw new InvalidOperationException("The audit sink cannot admit with its appends and the journal was given no admission store.");
        var outcome = await admissions.AdmitAsync(admission, cancellationToken).ConfigureAwait(false);
        var appended = await AppendCoreAsync(entry, receipt: true, answered: false, cancellationToken).ConfigureAwait(false);
        return appended with { Admission = outcome };
    }
}
