using System.Runtime.CompilerServices;
using System.Text;
using Gateway.Store.Postgres;
using Npgsql;
using NpgsqlTypes;

namespace Gateway.Audit;

/// <summary>
/// The journal in PostgreSQL (<c>audit_records</c>, migration 0001): a group is one multi-row
/// <c>INSERT</c> in one tenant-scoped transaction as the application role, which may only insert and
/// read, sent with its <c>BEGIN</c> and <c>COMMIT</c> in one round trip
/// (<see cref="PostgresDatabase.CommitTenantBatchAsync"/>). Each line goes with the columns it is indexed and
/// linked by, read from the line here (<see cref="PostgresAuditColumns"/>), so the database parses no JSON; since
/// migration 0018 these include every request id the line names (<c>request_ids</c>, indexed), so a query by request id
/// reads an index too.
/// The database links the rows to their chain's tip (trigger <c>audit_records_link</c>, once per statement
/// since migration 0017: seq contiguous, prev_hash = the previous row's hash or the tip's; SQLSTATE
/// <c>GA001</c> otherwise), so a lost race, or any writer that does not extend the tip, is refused by
/// the database itself and reported as a conflict. Rows are never updated or deleted by the
/// application; <c>audit verify</c> names a hand edit. The group's explanations go into
/// <c>audit_explanations</c> (migration 0016, one row per tenant and digest, <c>ON CONFLICT DO NOTHING</c>)
/// in the same statement, so in the same transaction. The group's receipt batches go into <c>audit_receipt_batches</c>
/// (migration 0034: signed root, iat, members as seq and request id) in the same batch of statements, so in the same
/// transaction and round trip; retention removes a batch once all its records are retired.
/// </summary>
public sealed partial class PostgresAuditStore : IAuditStore, IAuditQuerySource, IAuditRetirement
{
    /// <summary>The SQLSTATE the link trigger raises when a row does not extend its chain.</summary>
    public const string DoesNotLinkState = "GA001";

    /// <summary>The SQLSTATE audit_retire raises when a record it would retire is no longer the one retention checked.</summary>
    public const string NotTheCheckedRecordState = "GA005";

    private const int PageSize = 512;

    // The group's columns beside its lines ($4 lines; $5 times as text, cast as the line's text was; $6 agents, $7 tools,
    // $8 decisions, $9 prev_hashes, $10 hashes: PostgresAuditColumns), so the database parses no JSON; the explanations
    // ($11 digests, $12 texts; empty arrays for none) in a data-modifying WITH: one statement, one round trip. Since
    // migration 0018 the request ids: all rows' in $13, each row's from $14 for $15 (none: empty, never NULL); since
    // migration 0019 each row's run ($16, NULL for none).
    private const string InsertGroup = """
        WITH explanations AS (
            INSERT INTO audit_explanations (tenant, digest, explanation)
            SELECT $1, x.d, x.e FROM unnest($11::text[], $12::text[]) AS x(d, e)
            ON CONFLICT (tenant, digest) DO NOTHING)
        INSERT INTO audit_records (tenant, replica, seq, time, agent, tool, decision, prev_hash, hash, line, request_ids, run_id)
        SELECT $1, $2, $3 + u.o, u.t::timestamptz, u.a, u.tl, u.d, u.p, u.h, u.l,
               CASE WHEN u.n > 0 THEN ($13::text[])[u.s:u.s + u.n - 1] ELSE '{}' END, u.r
        FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $14::int[], $15::int[], $16::text[])
            WITH ORDINALITY AS u(l, t, a, tl, d, p, h, s, n, r, o)
        ORDER BY u.o
        """;

    // One receipt batch of the group ($3 first seq, $4 last seq, $5 iat, $6 signed root, $7 seqs, $8 request ids, $9 its
    // place among the group's batches).
    private const string InsertReceiptBatch = """
        INSERT INTO audit_receipt_batches (tenant, replica, first_seq, last_seq, iat, signed_root, seqs, request_ids, batch)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        """;

    private readonly PostgresDatabase _database;

    public PostgresAuditStore(PostgresDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>The chain's row in <c>audit_chains</c>, with its last record's line for that record's time (none once it is retired).</summary>
    public ValueTask<AuditTip> GetTipAsync(AuditPartition partition, CancellationToken cancellationToken = default) =>
        ReadTipAsync(
            """
            SELECT c.length, c.last_hash, r.line FROM audit_chains AS c
            LEFT JOIN audit_records AS r ON r.tenant = c.tenant AND r.replica = c.replica AND r.seq = c.length
            WHERE c.tenant = $1 AND c.replica = $2
            """,
            partition,
            cancellationToken);

    public async ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(explanations);
        ArgumentNullException.ThrowIfNull(receipts);
        ArgumentOutOfRangeException.ThrowIfZero(lines.Count);
        var insert = new NpgsqlBatchCommand(InsertGroup);
        AddPartition(insert.Parameters, partition);
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expectedLength });
        var columns = PostgresAuditColumns.Read(lines);
        AddTexts(insert.Parameters, columns.Lines);
        AddTexts(insert.Parameters, columns.Times);
        AddTexts(insert.Parameters, columns.Agents);
        AddTexts(insert.Parameters, columns.Tools);
        AddTexts(insert.Parameters, columns.Decisions);
        AddTexts(insert.Parameters, columns.PrevHashes);
        AddTexts(insert.Parameters, columns.Hashes);
        AddTexts(insert.Parameters, explanations.Select(static e => e.Digest).ToArray());
        AddTexts(insert.Parameters, explanations.Select(static e => Encoding.UTF8.GetString(e.Json)).ToArray());
        AddTexts(insert.Parameters, columns.RequestIds);
        AddIntegers(insert.Parameters, columns.RequestIdStarts);
        AddIntegers(insert.Parameters, columns.RequestIdCounts);
        AddTexts(insert.Parameters, columns.RunIds);
        try
        {
            // The whole transaction (scope, insert, commit) in one round trip.
            await _database.CommitTenantBatchAsync(partition.Tenant, [insert, .. receipts.Select((batch, index) => ReceiptBatchInsert(partition, batch, index))], cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PostgresException ex) when (ex.SqlState is DoesNotLinkState or PostgresErrorCodes.UniqueViolation)
        {
            // Another writer extended the chain first (or created it first): the caller re-reads the tip.
            return false;
        }
    }

    /// <summary>The stored receipt batches (<c>audit_receipt_batches</c>, migration 0034) with a member in the seq range.</summary>
    public async ValueTask<IReadOnlyList<AuditReceiptBatch>> ReadReceiptBatchesAsync(AuditPartition partition, long fromSeq, long toSeq, CancellationToken cancellationToken = default)
    {
        await using var scope = await _database.OpenTenantAsync(partition.Tenant, cancellationToken).ConfigureAwait(false);
        await using var command = scope.CreateCommand("""
            SELECT iat, signed_root, seqs, request_ids FROM audit_receipt_batches
            WHERE tenant = $1 AND replica = $2 AND last_seq >= $3 AND first_seq <= $4
            ORDER BY first_seq, batch
            """);
        AddPartition(command, partition);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = fromSeq });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = toSeq });
        var batches = new List<AuditReceiptBatch>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var seqs = reader.GetFieldValue<long[]>(2);
            var requestIds = reader.GetFieldValue<string[]>(3);
            var batch = new AuditReceiptBatch(reader.GetString(1), reader.GetInt64(0), [.. seqs.Zip(requestIds, static (seq, id) => new AuditReceiptMember(seq, id))]);
            if (batch.Members.Any(m => m.Seq >= fromSeq && m.Seq <= toSeq))
            {
                batches.Add(batch);
            }
        }

        return batches;
    }

    public async IAsyncEnumerable<string> ReadAsync(AuditPartition partition, long start, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);

        // Position, not seq: a hand-deleted row shifts positions exactly as a line cut from a file would.
        var offset = start;
        long? after = null;
        while (true)
        {
            var page = new List<(long Seq, string Line)>(PageSize);
            await using (var scope = await _database.OpenTenantAsync(partition.Tenant, cancellationToken).ConfigureAwait(false))
            {
                await using var command = scope.CreateCommand(after is null
                    ? "SELECT seq, line FROM audit_records WHERE tenant = $1 AND replica = $2 ORDER BY seq OFFSET $3 LIMIT $4"
                    : "SELECT seq, line FROM audit_records WHERE tenant = $1 AND replica = $2 AND seq > $3 ORDER BY seq LIMIT $4");
                AddPartition(command, partition);
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after ?? offset });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = PageSize });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    page.Add((reader.GetInt64(0), reader.GetString(1)));
                }
            }

            foreach (var (_, line) in page)
            {
                yield return line;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            after = page[^1].Seq;
        }
    }

    public async ValueTask<IReadOnlyList<string>> ListReplicasAsync(string tenant, CancellationToken cancellationToken = default)
    {
        // The chains' tips, and any replica that has rows without one (a row inserted behind the trigger's back).
        await using var scope = await _database.OpenTenantAsync(tenant, cancellationToken).ConfigureAwait(false);
        await using var command = scope.CreateCommand("""
            SELECT r FROM (
                SELECT replica FROM audit_chains WHERE tenant = $1
                UNION SELECT replica FROM audit_records WHERE tenant = $1) AS x(r)
            ORDER BY r COLLATE "C"
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        var replicas = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            replicas.Add(reader.GetString(0));
        }

        return replicas;
    }

    /// <summary>The explanation stored under the digest (<c>audit_explanations</c>, migration 0016), or null.</summary>
    public async ValueTask<string?> GetExplanationAsync(string tenant, string digest, CancellationToken cancellationToken = default)
    {
        await using var scope = await _database.OpenTenantAsync(tenant, cancellationToken).ConfigureAwait(false);
        await using var command = scope.CreateCommand("SELECT explanation FROM audit_explanations WHERE tenant = $1 AND digest = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = digest });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <summary>The anchor of retention (<c>audit_anchors</c>, migration 0014), genesis when nothing was retired.</summary>
    public ValueTask<AuditTip> GetAnchorAsync(AuditPartition partition, CancellationToken cancellationToken = default) =>
        ReadTipAsync("SELECT seq, hash FROM audit_anchors WHERE tenant = $1 AND replica = $2", partition, cancellationToken);

    /// <summary>Through <c>audit_tenants()</c> (migration 0014): the application role sees no other tenant's rows.</summary>
    public async ValueTask<IReadOnlyList<string>> ListTenantsAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = scope.CreateCommand("SELECT audit_tenants()");
        var tenants = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tenants.Add(reader.GetString(0));
        }

        return tenants;
    }

    /// <summary>Retires records 1..<paramref name="throughSeq"/> through <c>audit_retire</c> (migration 0014), which also moves the anchor.</summary>
    public ValueTask<long> RetireAsync(AuditPartition partition, long throughSeq, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(throughSeq, 1);
        return RetireAsync(partition, "SELECT audit_retire($1, $2, $3)", [new NpgsqlParameter<long> { TypedValue = throughSeq }], cancellationToken);
    }

    /// <summary>
    /// Retires the records retention checked: <c>audit_retire</c> with their range, the last one's hash and the digest of
    /// their leaf hashes (migration 0041) locks the stored rows and refuses (SQLSTATE GA005, thrown as
    /// <see cref="InvalidDataException"/>) when any of them is no longer the record checked.
    /// </summary>
    public async ValueTask<long> RetireAsync(AuditPartition partition, long fromSeq, AuditTip through, byte[] leavesDigest, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fromSeq, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(through.Length, fromSeq);
        ArgumentNullException.ThrowIfNull(leavesDigest);
        try
        {
            return await RetireAsync(partition, "SELECT audit_retire($1, $2, $3, $4, $5, $6)",
            [
                new NpgsqlParameter<long> { TypedValue = fromSeq },
                new NpgsqlParameter<long> { TypedValue = through.Length },
                new NpgsqlParameter<string> { TypedValue = through.LastHash },
                new NpgsqlParameter<byte[]> { TypedValue = leavesDigest },
            ], cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == NotTheCheckedRecordState)
        {
            throw new InvalidDataException(ex.MessageText, ex);
        }
    }

    /// <summary>The runs of <c>audit_retired_leaves</c> (migration 0032, kept by the trigger on the anchor), from seq 1 while they join.</summary>
    public async ValueTask<IReadOnlyList<byte[]>> ReadRetiredLeavesAsync(AuditPartition partition, CancellationToken cancellationToken = default)
    {
        await using var scope = await _database.OpenTenantAsync(partition.Tenant, cancellationToken).ConfigureAwait(false);
        await using var command = scope.CreateCommand("SELECT first_seq, leaves FROM audit_retired_leaves WHERE tenant = $1 AND replica = $2 ORDER BY first_seq");
        AddPartition(command, partition);
        var leaves = new List<byte[]>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var first = reader.GetInt64(0);
            if (first > leaves.Count + 1)
            {
                break;
            }

            var run = reader.GetFieldValue<byte[]>(1);
            for (var at = (int)(leaves.Count + 1 - first) * 32; at < run.Length; at += 32)
            {
                leaves.Add(run[at..(at + 32)]);
            }
        }

        return leaves;
    }

    public ValueTask ProbeAsync(CancellationToken cancellationToken = default) => _database.PingAsync(cancellationToken);

    // One retirement (`sql`, an audit_retire call after the partition's two parameters) in a transaction of its own.
    private async ValueTask<long> RetireAsync(AuditPartition partition, string sql, NpgsqlParameter[] through, CancellationToken cancellationToken)
    {
        await using var scope = await _database.OpenTenantAsync(partition.Tenant, cancellationToken).ConfigureAwait(false);
        long retired;
        await using (var command = scope.CreateCommand(sql))
        {
            AddPartition(command, partition);
            command.Parameters.AddRange(through);
            retired = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        await scope.CommitAsync(cancellationToken).ConfigureAwait(false);
        return retired;
    }

    /// <summary>
    /// A (seq, hash) row of the partition by <paramref name="sql"/>, or genesis when there is none; a third column, when
    /// the row has one, is the record's line, whose time is the tip's <see cref="AuditTip.LastTime"/>.
    /// </summary>
    private async ValueTask<AuditTip> ReadTipAsync(string sql, AuditPartition partition, CancellationToken cancellationToken)
    {
        await using var scope = await _database.OpenTenantAsync(partition.Tenant, cancellationToken).ConfigureAwait(false);
        await using var command = scope.CreateCommand(sql);
        AddPartition(command, partition);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return AuditTip.Genesis;
        }

        return new AuditTip(reader.GetInt64(0), reader.GetString(1))
        {
            LastTime = reader.FieldCount > 2 && !reader.IsDBNull(2) ? AuditStoredLine.Time(reader.GetString(2)) : null,
        };
    }

    private static NpgsqlBatchCommand ReceiptBatchInsert(AuditPartition partition, AuditReceiptBatch batch, int index)
    {
        var insert = new NpgsqlBatchCommand(InsertReceiptBatch);
        AddPartition(insert.Parameters, partition);
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = batch.FirstSeq });
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = batch.LastSeq });
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = batch.IssuedAt });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = batch.SignedRoot });
        insert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. batch.Members.Select(static m => m.Seq)] });
        AddTexts(insert.Parameters, [.. batch.Members.Select(static m => m.RequestId)]);
        insert.Parameters.Add(new NpgsqlParameter<short> { TypedValue = checked((short)index) });
        return insert;
    }

    private static void AddIntegers(NpgsqlParameterCollection parameters, int[] values) =>
        parameters.Add(new NpgsqlParameter { Value = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });

    private static void AddTexts(NpgsqlParameterCollection parameters, string?[] values) =>
        parameters.Add(new NpgsqlParameter { Value = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });

    private static void AddPartition(NpgsqlCommand command, AuditPartition partition) => AddPartition(command.Parameters, partition);

    private static void AddPartition(NpgsqlParameterCollection parameters, AuditPartition partition)
    {
        parameters.Add(new NpgsqlParameter<string> { TypedValue = partition.Tenant });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = partition.Replica });
    }
}
