using System.Diagnostics.Metrics;
using System.Text.Json;
using Gateway.Audit;
using Gateway.Audit.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// An audit sink opened from the test process, as an operator's tool would open it once the gateway is gone:
/// the records of a tenant's chains as stored, and the chains verified with the gateway's own
/// <see cref="AuditJournal.VerifyAsync"/>. Reads only the members every record format carries (seq, request id,
/// status), never the explanation; a record standing for several requests (folded decisions or outcomes, repeated refusals) reads
/// as one entry per request.
/// </summary>
public sealed class AuditSinkReader : IAsyncDisposable
{
    private readonly IAuditStore _store;
    private readonly Func<ValueTask> _close;
    private readonly AuditJournal _journal;

    /// <summary>Reads <paramref name="store"/>; <paramref name="close"/> (closing the connection or files under it) runs when the reader is disposed.</summary>
    public AuditSinkReader(IAuditStore store, Func<ValueTask> close)
    {
        _store = store;
        _close = close;
        var metrics = new AuditMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());
        _journal = new AuditJournal(store, [], TimeProvider.System, metrics, MsOptions.Create(new AuditOptions()), MsOptions.Create(new EvidenceOptions()), Gateway.Policy.Evidence.ReceiptKeyRing.Generate(DateTimeOffset.UtcNow), NullLogger<AuditJournal>.Instance);
    }

    /// <summary>Every stored record of <paramref name="tenant"/>, chain by chain, in chain order.</summary>
    public async Task<IReadOnlyList<StoredAuditRecord>> ReadAsync(string tenant)
    {
        var records = new List<StoredAuditRecord>();
        foreach (var replica in await _store.ListReplicasAsync(tenant))
        {
            await foreach (var line in _store.ReadAsync(new AuditPartition(tenant, replica), 0))
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                var seq = root.GetProperty("seq").GetInt64();
                if (root.TryGetProperty("outcomes", out var outcomes))
                {
                    // One record standing for the outcomes of several requests: one entry per request, with its own status.
                    records.AddRange(outcomes.EnumerateArray().Select(o => new StoredAuditRecord(replica, seq, RequestId(o), Status(o))));
                }
                else if (root.TryGetProperty("decisions", out var decisions))
                {
                    // One record standing for the decisions of several requests: one entry per request, with the record's status.
                    records.AddRange(decisions.EnumerateArray().Select(d => new StoredAuditRecord(replica, seq, RequestId(d), Status(root))));
                }
                else if (root.TryGetProperty("request_ids", out var ids))
                {
                    records.AddRange(ids.EnumerateArray().Select(id => new StoredAuditRecord(replica, seq, id.GetString(), Status(root))));
                }
                else
                {
                    records.Add(new StoredAuditRecord(replica, seq, RequestId(root), Status(root)));
                }
            }
        }

        return records;
    }

    private static string? RequestId(JsonElement record) =>
        record.TryGetProperty("request_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;

    // A record without status_code is a decision written before its request was forwarded (0: about to execute).
    private static int Status(JsonElement record) => record.TryGetProperty("status_code", out var status) ? status.GetInt32() : 0;

    /// <summary>Walks every chain of <paramref name="tenant"/> from its start and names the first broken link.</summary>
    public ValueTask<AuditVerification> VerifyAsync(string tenant) => _journal.VerifyAsync(tenant);

    public ValueTask DisposeAsync() => _close();
}

/// <summary>What the kill tests read of a stored record: its chain, its place in it, the request and the status answered (0: about to execute).</summary>
public sealed record StoredAuditRecord(string Replica, long Seq, string? RequestId, int StatusCode);
