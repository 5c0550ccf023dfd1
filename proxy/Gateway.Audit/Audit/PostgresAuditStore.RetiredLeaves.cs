using Npgsql;

namespace Gateway.Audit;

public sealed partial class PostgresAuditStore
{
    // Every run of the partition up to the range's last seq ($4): its seqs, and only the bytes of its leaves in the range
    // ($3..$4; NULL for a run before it), so that the runs are still checked to join from seq 1 without reading them.
    private const string RetiredLeavesRange = """
        SELECT first_seq, last_seq,
               CASE WHEN last_seq >= $3 THEN substring(leaves FROM (32 * (greatest($3, first_seq) - first_seq) + 1)::int
                                                                 FOR (32 * (least($4, last_seq) - greatest($3, first_seq) + 1))::int) END
        FROM audit_retired_leaves WHERE tenant = $1 AND replica = $2 AND first_seq <= $4 ORDER BY first_seq
        """;

    /// <summary>
    /// Leaves <paramref name="from"/>..<paramref name="from"/> + <paramref name="count"/> - 1 (records from+1..from+count) of
    /// the runs of <c>audit_retired_leaves</c> that join from seq 1: only those leaves' bytes are read.
    /// </summary>
    public async ValueTask<IReadOnlyList<byte[]>> ReadRetiredLeavesAsync(AuditPartition partition, long from, int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0)
        {
            return [];
        }

        var (first, last) = (from + 1, from + count);
        await using var scope = await _database.OpenTenantAsync(partition.Tenant, cancellationToken).ConfigureAwait(false);
        await using var command = scope.CreateCommand(RetiredLeavesRange);
        AddPartition(command, partition);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = first });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = last });
        var leaves = new List<byte[]>(count);
        var next = 1L;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (next <= last && await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var (runFirst, runLast) = (reader.GetInt64(0), reader.GetInt64(1));
            if (runFirst > next)
            {
                break;
            }

            if (runLast >= first && runLast >= next)
            {
                // The run's bytes start at seq max(first, runFirst); runs may overlap (leaves kept twice): each seq once.
                var run = reader.GetFieldValue<byte[]>(2);
                var start = Math.Max(first, runFirst);
                for (var seq = Math.Max(next, first); seq <= Math.Min(last, runLast); seq++)
                {
                    var at = (int)(seq - start) * 32;
                    leaves.Add(run[at..(at + 32)]);
                }
            }

            next = Math.Max(next, runLast + 1);
        }

        return leaves;
    }
}
