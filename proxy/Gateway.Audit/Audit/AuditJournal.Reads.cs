using System.Text.Json;
using Gateway.Policy.AuditChain;

namespace Gateway.Audit;

// The journal's reads of stored records: the export, a chain's page and the query, each explanation put back.
public sealed partial class AuditJournal
{
    /// <summary>
    /// Every chain of the tenant (replicas in ordinal order), each from its first stored record up to (not
    /// including) the first record whose time reads as at or after <paramref name="before"/> (a line whose time does not
    /// read as one, not a string or not a time, is exported as it is: its seal breaks, and verification names it): a prefix of each chain, lines as
    /// stored, each after the anchor line it follows (<see cref="AuditStoredChain"/>), so that an export verifies offline
    /// record by record (<c>gatewayctl audit verify --file</c>), a retention run beside it or not. Before the
    /// first record that refers to an explanation by digest comes that explanation's line (<see cref="AuditExplanationLine"/>),
    /// as stored; an explanation the sink does not hold has no line (and the export's verification names it missing).
    /// </summary>
    /// <exception cref="AuditChainMovedException">A retirement took records from under the export, or retired records it had
    /// not reached yet and the sink dropped the explanations only they used: the export is not the chain; ask again.</exception>
    public async IAsyncEnumerable<string> ExportAsync(string tenant, DateTimeOffset before, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        await WaitForUnawaitedAsync(cancellationToken).ConfigureAwait(false);
        var explanations = new AuditExplanationReader(_store, tenant);
        var given = new HashSet<string>(StringComparer.Ordinal);
        foreach (var replica in await _store.ListReplicasAsync(tenant, cancellationToken).ConfigureAwait(false))
        {
            var partition = new AuditPartition(tenant, replica);
            await using var stored = await AuditStoredChain.OpenAsync(_store, partition, 1, cancellationToken).ConfigureAwait(false);
            if (stored.Anchor.Length > 0)
            {
                yield return AuditAnchorLine.Write(tenant, replica, stored.Anchor.Length, stored.Anchor.LastHash);
            }

            await foreach (var line in stored.ReadAsync().ConfigureAwait(false))
            {
                var (time, digest) = AuditStoredLine.TimeAndDigest(line);
                if (time is { } at && at >= before)
                {
                    await stored.StopAsync().ConfigureAwait(false);
                    break;
                }

                if (digest is not null && given.Add(digest))
                {
                    if (await explanations.GetAsync(digest, cancellationToken).ConfigureAwait(false) is { } explanation)
                    {
                        yield return AuditExplanationLine.Write(tenant, digest, explanation);
                    }
                    else if (_store.DropsUnreferencedExplanations && await stored.MovedAsync().ConfigureAwait(false))
                    {
                        // Retention retired this record since the chain was opened, then dropped the explanations no kept record uses.
                        throw new AuditChainMovedException(partition);
                    }
                }

                yield return line;
            }
        }
    }

    /// <summary>
    /// Up to <paramref name="limit"/> records from zero-based <paramref name="start"/> of one chain of the
    /// tenant (this replica's when <paramref name="replica"/> is null), as stored, with the explanation of each record
    /// that refers to one by digest put back (<see cref="AuditExplanationReader"/>); read again when a retention run beside
    /// the read retired a record read and dropped its explanation (<see cref="RetiredBesideAsync"/>).
    /// </summary>
    /// <exception cref="AuditChainMovedException">Retention did so at each of <see cref="AuditStoredChain.MaxAttempts"/> reads: ask again.</exception>
    public async ValueTask<IReadOnlyList<JsonElement>> ReadAsync(string tenant, long start, int limit, CancellationToken cancellationToken = default, string? replica = null)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        if (replica is not null && !AuditPartition.IsValidReplica(replica))
        {
            throw new ArgumentException("The replica id is not valid.", nameof(replica));
        }

        await WaitForUnawaitedAsync(cancellationToken).ConfigureAwait(false);
        var partition = new AuditPartition(tenant, replica ?? Replica);
        for (var attempt = 1; ; attempt++)
        {
            if (await ReadExpandedAsync(partition, start, limit, cancellationToken).ConfigureAwait(false) is { } records)
            {
                return records;
            }

            if (attempt == AuditStoredChain.MaxAttempts)
            {
                throw new AuditChainMovedException(partition);
            }
        }
    }

    // One read of the page, each record with its explanation put back; null when retention retired a record read beside it.
    private async ValueTask<List<JsonElement>?> ReadExpandedAsync(AuditPartition partition, long start, int limit, CancellationToken cancellationToken)
    {
        var records = new List<JsonElement>(Math.Min(limit, 256));
        var explanations = new AuditExplanationReader(_store, partition.Tenant);
        await foreach (var line in _store.ReadAsync(partition, start, cancellationToken).ConfigureAwait(false))
        {
            JsonElement record;
            try
            {
                using var document = JsonDocument.Parse(line);
                record = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                record = JsonSerializer.SerializeToElement(line, AuditJsonContext.Default.String);
            }

            if (await RetiredBesideAsync(partition.Tenant, record, explanations, cancellationToken).ConfigureAwait(false) is not null)
            {
                return null;
            }

            records.Add(await explanations.ExpandAsync(record, cancellationToken).ConfigureAwait(false));
            if (records.Count >= limit)
            {
                break;
            }
        }

        return records;
    }

    /// <summary>
    /// Records of every chain of the tenant matching <paramref name="query"/>, in (time, replica, seq)
    /// order: from the sink's index when it has one (<see cref="IAuditQuerySource"/>), else by walking
    /// every chain (the embedded sinks); each with its explanation put back, as <see cref="ReadAsync"/> does, and read again
    /// as it does when retention retired a record read and dropped its explanation.
    /// </summary>
    /// <exception cref="AuditChainMovedException">Retention did so at each of <see cref="AuditStoredChain.MaxAttempts"/> reads: ask again.</exception>
    public async ValueTask<AuditQueryPage> QueryAsync(string tenant, AuditQuery query, CancellationToken cancellationToken = default)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        await WaitForUnawaitedAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var page = await QueryStoredAsync(tenant, query, cancellationToken).ConfigureAwait(false);
            var explanations = new AuditExplanationReader(_store, tenant);
            var records = new JsonElement[page.Records.Count];
            AuditPartition? retired = null;
            for (var i = 0; i < records.Length && retired is null; i++)
            {
                retired = await RetiredBesideAsync(tenant, page.Records[i], explanations, cancellationToken).ConfigureAwait(false);
                records[i] = await explanations.ExpandAsync(page.Records[i], cancellationToken).ConfigureAwait(false);
            }

            if (retired is null)
            {
                return page with { Records = records };
            }

            if (attempt == AuditStoredChain.MaxAttempts)
            {
                throw new AuditChainMovedException(retired.Value);
            }
        }
    }

    /// <summary>
    /// The chain of <paramref name="record"/> when the sink drops unreferenced explanations, no longer holds the one the record
    /// refers to, and the record is now at or before its chain's anchor: retention retired it after it was read, then dropped
    /// the explanations no kept record uses (so the read is not what the chain holds now); null otherwise (an explanation
    /// missing from a kept record is the chain's own: verification names it).
    /// </summary>
    private async ValueTask<AuditPartition?> RetiredBesideAsync(string tenant, JsonElement record, AuditExplanationReader explanations, CancellationToken cancellationToken)
    {
        if (!_store.DropsUnreferencedExplanations || record.ValueKind != JsonValueKind.Object || record.TryGetProperty("explanation", out _)
            || !record.TryGetProperty(AuditExplanationLine.DigestMember, out var digest) || !AuditChainLink.TryReadText(digest, out var digestText)
            || !record.TryGetProperty("seq", out var seq) || seq.ValueKind != JsonValueKind.Number || !seq.TryGetInt64(out var seqValue)
            || !record.TryGetProperty("replica", out var replica) || replica.ValueKind != JsonValueKind.String
            || replica.GetString() is not { } name || !AuditPartition.IsValidReplica(name)
            || await explanations.GetAsync(digestText, cancellationToken).ConfigureAwait(false) is not null)
        {
            return null;
        }

        var partition = new AuditPartition(tenant, name);
        return seqValue <= (await _store.GetAnchorAsync(partition, cancellationToken).ConfigureAwait(false)).Length ? partition : null;
    }

    private async ValueTask<AuditQueryPage> QueryStoredAsync(string tenant, AuditQuery query, CancellationToken cancellationToken)
    {
        // A sink with an index answers every filter (PostgreSQL indexes each request id a record names, folded ones too);
        // the others walk the chains.
        if (_store is IAuditQuerySource source)
        {
            return await source.QueryAsync(tenant, query, cancellationToken).ConfigureAwait(false);
        }

        // Only the page's limit + 1 first matches are held (a heap topped by the last of them), not the tenant's whole log.
        var kept = new PriorityQueue<JsonElement, AuditCursor>(query.NewestFirst
            ? Comparer<AuditCursor>.Default
            : Comparer<AuditCursor>.Create(static (a, b) => b.CompareTo(a)));
        foreach (var replica in await _store.ListReplicasAsync(tenant, cancellationToken).ConfigureAwait(false))
        {
            await foreach (var line in _store.ReadAsync(new AuditPartition(tenant, replica), 0, cancellationToken).ConfigureAwait(false))
            {
                if (AuditQueryMatch.TryMatch(line, replica, query, out var key, out var record))
                {
                    kept.Enqueue(record, key!);
                    if (kept.Count > query.Limit + 1)
                    {
                        kept.Dequeue();
                    }
                }
            }
        }

        var matched = new List<(AuditCursor Key, JsonElement Record)>(kept.Count);
        while (kept.TryDequeue(out var record, out var key))
        {
            matched.Add((key, record));
        }

        matched.Reverse();
        return new AuditQueryPage(
            [.. matched.Take(query.Limit).Select(static m => m.Record)],
            matched.Count > query.Limit ? matched[query.Limit - 1].Key : null)
        {
            First = matched.Count > 0 ? matched[0].Key : null,
        };
    }
}
