using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Npgsql;
using NpgsqlTypes;

namespace Gateway.Store.Postgres;

/// <summary>
/// The audit journal's partitions (migrations 0030 and 0031) as the operator's tools see them, as the schema's owner
/// (row level security does not apply to it; every tenant's rows): list them, read one partition's records in chain
/// order with what an export needs beside them (each chain's anchor, the explanations the records refer to), and retire
/// one once it is exported (<c>audit_partition_retire</c>: checked against the export, anchors moved, detached and
/// dropped in one transaction). The gateway itself only creates partitions ahead (<see cref="PostgresAuditPartitionMaintenance"/>).
/// </summary>
public sealed partial class PostgresAuditPartitions(PostgresDatabase database)
{
    /// <summary>The SQLSTATE of every refusal of <c>audit_partition_retire</c> (nothing changed).</summary>
    public const string RefusedState = "GA004";

    /// <summary>Every partition, oldest first.</summary>
    public async ValueTask<IReadOnlyList<AuditJournalPartition>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenOwnerConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT name, lower, upper FROM audit_partitions()", connection);
        var partitions = new List<AuditJournalPartition>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            partitions.Add(new AuditJournalPartition(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1),
                reader.GetFieldValue<DateTimeOffset>(2)));
        }

        return partitions;
    }

    /// <summary>
    /// The partition's records as stored, by tenant, replica (both in ordinal order) and seq: streamed, never held
    /// whole. The partition is named by <see cref="ListAsync"/>.
    /// </summary>
    public async IAsyncEnumerable<AuditPartitionRecord> ReadAsync(AuditJournalPartition partition, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partition);
        if (!PartitionName().IsMatch(partition.Name))
        {
            throw new ArgumentException("Not the name of an audit journal partition.", nameof(partition));
        }

        await using var connection = await database.OpenOwnerConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"""SELECT tenant, replica, seq, hash, line FROM "{partition.Name}" ORDER BY tenant COLLATE "C", replica COLLATE "C", seq""", connection)
        {
            CommandTimeout = 0,
        };
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new AuditPartitionRecord(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4));
        }
    }

    /// <summary>The chain's anchor (seq and hash of its last retired record; <c>audit_anchors</c>), or null when nothing of it was retired.</summary>
    public async ValueTask<(long Seq, string Hash)?> GetAnchorAsync(string tenant, string replica, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenOwnerConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT seq, hash FROM audit_anchors WHERE tenant = $1 AND replica = $2", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = replica });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetInt64(0), reader.GetString(1)) : null;
    }

    /// <summary>The tenant's explanation stored under the digest (JSON text as stored), or null.</summary>
    public async ValueTask<string?> GetExplanationAsync(string tenant, string digest, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenOwnerConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT explanation FROM audit_explanations WHERE tenant = $1 AND digest = $2", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = digest });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <summary>
    /// Retires the partition (<c>audit_partition_retire</c>) after it was exported as <paramref name="exported"/> (every
    /// chain it holds): returns how many records went. Throws <see cref="PostgresException"/> with SQLSTATE
    /// <see cref="RefusedState"/> when the partition may not go (not ended, not the oldest, not what was exported, not
    /// the next records of a chain, the journal stayed locked); nothing changes then.
    /// </summary>
    public async ValueTask<long> RetireAsync(AuditJournalPartition partition, IReadOnlyList<AuditRetiredChain> exported, bool drop, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(exported);
        await using var connection = await database.OpenOwnerConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT audit_partition_retire($1, $2, $3, $4, $5, $6, $7)", connection) { CommandTimeout = 0 };
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = partition.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = exported.Select(static c => c.Tenant).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = exported.Select(static c => c.Replica).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = exported.Select(static c => c.Records).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = exported.Select(static c => c.LastSeq).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = exported.Select(static c => c.LastHash).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = drop });
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    // What audit_partition_create and the conversion name partitions (0030): nothing else is read by name.
    [GeneratedRegex("^audit_records_(p[0-9]{8}|before_[0-9]{8})\\z")]
    private static partial Regex PartitionName();
}
