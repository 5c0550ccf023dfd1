using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Gateway.Audit;

public sealed partial class PostgresAuditStore
{
    // The query's filters after the tenant ($2, $3 the time range; $4 agent, $5 decision, $6 tool; $7..$9 the cursor;
    // $11 the run), each ignored when null; then the cursor and the order, (time, replica, seq), $10 rows at most.
    private const string QueryFilters = """
          AND ($2::timestamptz IS NULL OR time >= $2) AND ($3::timestamptz IS NULL OR time < $3)
          AND ($4::text IS NULL OR agent = $4) AND ($5::text IS NULL OR decision = $5) AND ($6::text IS NULL OR tool = $6)
          AND ($11::text IS NULL OR run_id = $11)
        """;

    private const string QueryFiltersAndOrder = QueryFilters + """
          AND ($7::timestamptz IS NULL OR (time, replica COLLATE "C", seq) > ($7, $8 COLLATE "C", $9))
        ORDER BY time, replica COLLATE "C", seq
        LIMIT $10
        """;

    // The same, newest first (AuditQuery.NewestFirst): the cursor is passed downwards.
    private const string QueryFiltersNewestFirst = QueryFilters + """
          AND ($7::timestamptz IS NULL OR (time, replica COLLATE "C", seq) < ($7, $8 COLLATE "C", $9))
        ORDER BY time DESC, replica COLLATE "C" DESC, seq DESC
        LIMIT $10
        """;

    private const string Select = "SELECT line, time, replica, seq FROM audit_records\n";

    private const string Query = Select + "WHERE tenant = $1\n" + QueryFiltersAndOrder;

    private const string QueryNewestFirst = Select + "WHERE tenant = $1\n" + QueryFiltersNewestFirst;

    // By run ($11, not null): from the index on (tenant, run_id, time) (migration 0019): a run's records in time order.
    private const string QueryByRun = Select + "WHERE tenant = $1 AND run_id = $11\n" + QueryFiltersAndOrder;

    private const string QueryByRunNewestFirst = Select + "WHERE tenant = $1 AND run_id = $11\n" + QueryFiltersNewestFirst;

    // By request id ($12): from the GIN index on request_ids (migration 0018), which names every request a row stands for.
    private const string QueryByRequestId = Select + "WHERE tenant = $1 AND request_ids @> ARRAY[$12::text]\n" + QueryFiltersAndOrder;

    private const string QueryByRequestIdNewestFirst = Select + "WHERE tenant = $1 AND request_ids @> ARRAY[$12::text]\n" + QueryFiltersNewestFirst;

    /// <summary>
    /// The query from the indexes on (tenant, time) and (tenant, agent, time), or by request id from the GIN index on
    /// request_ids (migration 0018), keyset-paged on (time, replica, seq).
    /// </summary>
    public async ValueTask<AuditQueryPage> QueryAsync(string tenant, AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var scope = await _database.OpenTenantAsync(tenant, cancellationToken).ConfigureAwait(false);
        await using var command = scope.CreateCommand(QuerySql(query));
        AddQueryParameters(command.Parameters, tenant, query);
        var records = new List<JsonElement>();
        AuditCursor? first = null;
        AuditCursor? last = null;
        var more = false;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (records.Count == query.Limit)
            {
                more = true;
                break;
            }

            using var document = JsonDocument.Parse(reader.GetString(0));
            records.Add(document.RootElement.Clone());
            last = new AuditCursor(reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetInt64(3));
            first ??= last;
        }

        return new AuditQueryPage(records, more ? last : null) { First = first };
    }

    /// <summary>The statement that answers <paramref name="query"/>: by request id from its index when it names one.</summary>
    internal static string QuerySql(AuditQuery query) => (query.RequestId is not null, query.RunId is not null, query.NewestFirst) switch
    {
        (true, _, false) => QueryByRequestId,
        (true, _, true) => QueryByRequestIdNewestFirst,
        (_, true, false) => QueryByRun,
        (_, true, true) => QueryByRunNewestFirst,
        (_, _, false) => Query,
        _ => QueryNewestFirst,
    };

    /// <summary>The parameters of <see cref="QuerySql"/>.</summary>
    internal static void AddQueryParameters(NpgsqlParameterCollection parameters, string tenant, AuditQuery query)
    {
        parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        parameters.Add(new NpgsqlParameter { Value = (object?)query.From ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        parameters.Add(new NpgsqlParameter { Value = (object?)query.To ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        parameters.Add(new NpgsqlParameter { Value = (object?)query.Agent ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter { Value = (object?)query.Decision ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter { Value = (object?)query.Tool ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter { Value = (object?)query.After?.Time ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        parameters.Add(new NpgsqlParameter { Value = (object?)query.After?.Replica ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter { Value = (object?)query.After?.Seq ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = query.Limit + 1 });
        parameters.Add(new NpgsqlParameter { Value = (object?)query.RunId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        if (query.RequestId is { } requestId)
        {
            parameters.Add(new NpgsqlParameter<string> { TypedValue = requestId });
        }
    }
}
