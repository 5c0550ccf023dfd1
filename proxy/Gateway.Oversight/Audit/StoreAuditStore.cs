using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Gateway.Store;

namespace Gateway.Oversight.Audit;

/// <summary>
/// The journal in the shared state store: one log per partition under <c>StoreKeys.AuditLog(tenant,
/// replica)</c>, a group appended in one round trip with <see cref="IStateStore.TryAppendAsync(string, long, IReadOnlyList{byte[]}, CancellationToken)"/>
/// at the expected length, and the tenant's replicas listed in a set (<c>StoreKeys.AuditReplicas</c>)
/// that each replica joins once per tenant. The tenant's explanations live in one hash (<c>StoreKeys.AuditExplanations</c>,
/// digest → explanation), each set where absent in the same atomic call as the group that first refers to it.
/// </summary>
public sealed class StoreAuditStore : IAuditStore
{
    private const int PageSize = 256;
    private readonly IStateStore _store;
    private readonly ConcurrentDictionary<AuditPartition, bool> _registered = new();

    public StoreAuditStore(IStateStore store)
    {
        _store = store;
    }

    public async ValueTask<AuditTip> GetTipAsync(AuditPartition partition, CancellationToken cancellationToken = default)
    {
        var key = StoreKeys.AuditLog(partition.Tenant, partition.Replica);
        var length = await _store.LogLengthAsync(key, cancellationToken);
        if (length == 0)
        {
            return AuditTip.Genesis;
        }

        var last = await _store.ReadLogAsync(key, length - 1, 1, cancellationToken);
        if (last.Count != 1)
        {
            throw new InvalidDataException("The audit log shrank while its tip was read.");
        }

        return new AuditTip(length, ReadHash(last[0]));
    }

    public async ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(explanations);
        if (!_registered.ContainsKey(partition))
        {
            await _store.SetAddAsync(StoreKeys.AuditReplicas(partition.Tenant), partition.Replica, null, cancellationToken);
            _registered[partition] = true;
        }

        var log = StoreKeys.AuditLog(partition.Tenant, partition.Replica);
        return explanations.Count == 0
            ? await _store.TryAppendAsync(log, expectedLength, lines, cancellationToken)
            : await _store.TryAppendAsync(log, expectedLength, lines, StoreKeys.AuditExplanations(partition.Tenant), [.. explanations.Select(static e => KeyValuePair.Create(e.Digest, e.Json))], cancellationToken);
    }

    public ValueTask<string?> GetExplanationAsync(string tenant, string digest, CancellationToken cancellationToken = default) =>
        _store.HashGetAsync(StoreKeys.AuditExplanations(tenant), digest, cancellationToken);

    public async IAsyncEnumerable<string> ReadAsync(AuditPartition partition, long start, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var key = StoreKeys.AuditLog(partition.Tenant, partition.Replica);
        var position = start;
        while (true)
        {
            var page = await _store.ReadLogAsync(key, position, PageSize, cancellationToken);
            foreach (var line in page)
            {
                yield return line;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            position += page.Count;
        }
    }

    public async ValueTask<IReadOnlyList<string>> ListReplicasAsync(string tenant, CancellationToken cancellationToken = default) =>
        await _store.SetMembersAsync(StoreKeys.AuditReplicas(tenant), cancellationToken);

    public ValueTask ProbeAsync(CancellationToken cancellationToken = default) => _store.PingAsync(cancellationToken);

    internal static string ReadHash(string line)
    {
        using var document = JsonDocument.Parse(line);
        return document.RootElement.TryGetProperty(AuditCanonicalJson.HashMember, out var hash) && hash.ValueKind == JsonValueKind.String
            ? hash.GetString()!
            : throw new InvalidDataException("The last audit record has no hash; the chain cannot be extended.");
    }
}
