using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Gateway.Store;

namespace Gateway.Oversight.Audit;

/// <summary>
/// The journal in the shared state store: one log per tenant under <c>StoreKeys.AuditLog</c>,
/// appended with <see cref="IStateStore.TryAppendAsync"/> at the expected length so that replicas
/// racing on one chain never fork it (the loser re-reads the tip and retries).
/// </summary>
public sealed class StoreAuditStore : IAuditStore
{
    private const int PageSize = 256;
    private readonly IStateStore _store;
    private readonly ConcurrentDictionary<string, AuditTip> _tips = new(StringComparer.Ordinal);

    public StoreAuditStore(IStateStore store)
    {
        _store = store;
    }

    public async ValueTask<AuditTip> GetTipAsync(string tenant, CancellationToken cancellationToken = default)
    {
        if (_tips.TryGetValue(tenant, out var cached))
        {
            return cached;
        }

        var key = StoreKeys.AuditLog(tenant);
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

    public async ValueTask<bool> TryAppendAsync(string tenant, long expectedLength, string line, string lineHash, CancellationToken cancellationToken = default)
    {
        _tips.TryRemove(tenant, out _);
        if (!await _store.TryAppendAsync(StoreKeys.AuditLog(tenant), expectedLength, line, cancellationToken))
        {
            return false;
        }

        _tips[tenant] = new AuditTip(expectedLength + 1, lineHash);
        return true;
    }

    public async IAsyncEnumerable<string> ReadAsync(string tenant, long start, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var key = StoreKeys.AuditLog(tenant);
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

    internal static string ReadHash(string line)
    {
        using var document = JsonDocument.Parse(line);
        return document.RootElement.TryGetProperty(AuditCanonicalJson.HashMember, out var hash) && hash.ValueKind == JsonValueKind.String
            ? hash.GetString()!
            : throw new InvalidDataException("The last audit record has no hash; the chain cannot be extended.");
    }
}
