namespace Gateway.Audit;

// The backlog: what the sink could not take, written once it takes each tenant's appends again.
public sealed partial class AuditJournal
{
    private readonly AuditBacklog _backlog;
    private readonly SemaphoreSlim _flushing = new(1, 1);

    /// <summary>Entries that could not be written while the sink was down, waiting to be (see <see cref="AuditBacklog"/>).</summary>
    public int BacklogCount => _backlog.Count;

    /// <summary>
    /// Writes the backlog, each tenant's entries in arrival order; a tenant whose append fails again keeps the rest of its
    /// entries, in order, for the next pass, and the other tenants' are written meanwhile. Returns how many were written.
    /// </summary>
    public async ValueTask<int> FlushBacklogAsync(CancellationToken cancellationToken = default)
    {
        if (_backlog.Count == 0 || !await _flushing.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        var written = 0;
        try
        {
            foreach (var tenant in _backlog.Tenants)
            {
                written += await FlushTenantAsync(tenant, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _flushing.Release();
        }

        if (written > 0)
        {
            AuditLog.AuditBacklogWritten(_logger, written);
        }

        return written;
    }

    // Writes the tenant's entries in arrival order until none is left or the sink fails it again; how many were written.
    private async ValueTask<int> FlushTenantAsync(string tenant, CancellationToken cancellationToken)
    {
        var written = 0;
        while (_backlog.TryPeek(tenant, out var entry))
        {
            AuditRecord record;
            try
            {
                record = (await WriterOf(entry).AppendAsync(entry, receipt: false, cancellationToken).ConfigureAwait(false)).Record;
            }
            catch (AuditWriteException)
            {
                break;
            }

            _backlog.Remove(tenant);
            written++;
            await ExportAsync(record, cancellationToken).ConfigureAwait(false);
        }

        return written;
    }
}
