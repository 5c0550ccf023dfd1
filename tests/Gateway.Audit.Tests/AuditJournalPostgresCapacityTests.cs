using System.Diagnostics;
using System.Security.Cryptography;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Store.Postgres;
using Gateway.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Gateway.Audit.Tests;

/// <summary>
/// What one PostgreSQL takes from the journal's writer, the numbers docs/operations.md's capacity plan starts from: a
/// durable server (fsync and full page writes on, <c>synchronous_commit = on</c>: every group's commit flushed to disk
/// before it is acknowledged), many tenants' chains written at once by the real writer (group commit, one round trip
/// per group), each record a decision as the gateway writes one for an allowed request (ids, digests, its explanation
/// by digest), none folded (the worst case: under load the gateway folds a chain's decisions and outcomes of one kind
/// into fewer rows). It prints the records per second and the bytes each stored record takes in the partition (heap,
/// TOAST and every index). It holds what does not depend on the machine's speed: every record appended is stored, the
/// chains verify, a record takes under 1,500 bytes (an index per record too many fails it) beyond what the empty partitions
/// and their indexes already take, counted once the table is vacuumed (a slow disk writes fewer records, and the pages
/// allocated ahead of them spread over more of them); the rates
/// are printed for the capacity plan, never asserted (a shared CI disk's fsync sets them, not the writer, so the waits
/// for a connection and a command are generous).
/// </summary>
public sealed class AuditJournalPostgresCapacityTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(3);
    private PostgresServer _server = null!;
    private PostgresDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.CreateAsync(durable: true);
        _database = new PostgresDatabase(NpgsqlDataSource.Create(await _server.CreateDatabaseAsync() + ";Maximum Pool Size=64;Timeout=120"), TimeSpan.FromSeconds(120));
        await new PostgresMigrator(_database).MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Append_ManyChainsOnADurableServer_StoresEveryRecordInUnder1500Bytes()
    {
        var journal = TestServices.Journal(new PostgresAuditStore(_database), TimeProvider.System);
        var (empty, emptyIndexes) = await PartitionBytesAsync();

        // Busy chains (16 tenants, 16 requests in flight each: groups of up to 16 records, one transaction each), then
        // quiet ones (256 tenants, one request in flight each: a transaction per record), as most chains are at volume.
        var busy = await MeasureAsync(journal, tenants: 16, writersPerTenant: 16);
        var quiet = await MeasureAsync(journal, tenants: 256, writersPerTenant: 1);
        var written = busy + quiet + 16 + 256;
        await using var connection = await _database.OpenOwnerConnectionAsync();
        // Compacted first (VACUUM FULL rewrites the table and its indexes): under concurrent inserts PostgreSQL extends a
        // table many pages at a time and leaves pages part-filled, a share per record the larger the fewer records a slow
        // disk lets through (1,213 table bytes a record on a slow CI machine against 1,052 on a normal one). A table
        // written for weeks fills those pages; what a record itself takes is what the compacted table holds.
        await using (var analyze = new NpgsqlCommand("VACUUM (FULL, ANALYZE) audit_records", connection))
        {
            await analyze.ExecuteNonQueryAsync();
        }

        var (bytes, indexes) = await PartitionBytesAsync();
        await using var count = new NpgsqlCommand("SELECT count(*), avg(octet_length(line)) FROM audit_records", connection);
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        var rows = reader.GetInt64(0);
        var line = reader.GetFieldValue<decimal>(1);
        var perRecord = (double)(bytes - empty) / rows;
        output.WriteLine($"{perRecord:F0} bytes per stored record: {(double)(bytes - indexes - (empty - emptyIndexes)) / rows:F0} in the table (its line {line:F0}), "
            + $"{(double)(indexes - emptyIndexes) / rows:F0} in its indexes; the empty partitions took {empty} bytes");

        Assert.Equal(written, rows);
        Assert.True(perRecord < 1500, $"{perRecord:F0} bytes per record");
    }

    // Appends decisions from every writer for the duration; prints the rate and returns how many.
    private async Task<long> MeasureAsync(AuditJournal journal, int tenants, int writersPerTenant)
    {
        // Each chain's first record reads its tip and stores its explanation: not what a running gateway does per record.
        var slugs = Enumerable.Range(0, tenants).Select(static _ => TestServices.NewTenant()).ToArray();
        await Task.WhenAll(slugs.Select(tenant => journal.AppendAsync(Decision(tenant, "agent-0")).AsTask()));
        var written = 0L;
        var walBefore = await WalPositionAsync();
        var cpuBefore = ServerCpuTicks();
        var clock = Stopwatch.StartNew();
        var writers = slugs.SelectMany(tenant => Enumerable.Range(0, writersPerTenant).Select(writer => Task.Run(async () =>
        {
            while (clock.Elapsed < Duration)
            {
                await journal.AppendAsync(Decision(tenant, "agent-" + writer));
                Interlocked.Increment(ref written);
            }
        }))).ToArray();
        await Task.WhenAll(writers);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuMicroseconds = (ServerCpuTicks() - cpuBefore) * 1_000_000.0 / 100;
        var walBytes = await WalBytesSinceAsync(walBefore);
        output.WriteLine($"{tenants} tenants x {writersPerTenant} writers: {written} records in {seconds:F1} s, {written / seconds:F0} records/s; "
            + $"PostgreSQL (all its processes) {cpuMicroseconds / written:F1} µs of CPU and {walBytes / written:F0} bytes of WAL per record");
        Assert.True(written > 0, "no record appended");
        Assert.True((await journal.VerifyAsync(slugs[0])).Intact);
        return written;
    }

    // The bytes every partition of audit_records takes (heap, TOAST and every index), and of those its indexes'.
    private async Task<(decimal Total, decimal Indexes)> PartitionBytesAsync()
    {
        await using var connection = await _database.OpenOwnerConnectionAsync();
        await using var command = new NpgsqlCommand("""
            SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0), coalesce(sum(pg_indexes_size(inhrelid)), 0)
            FROM pg_inherits WHERE inhparent = 'audit_records'::regclass
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetFieldValue<decimal>(0), reader.GetFieldValue<decimal>(1));
    }

    private async Task<string> WalPositionAsync()
    {
        await using var command = _database.DataSource.CreateCommand("SELECT pg_current_wal_lsn()::text");
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private async Task<double> WalBytesSinceAsync(string position)
    {
        await using var command = _database.DataSource.CreateCommand("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8");
        command.Parameters.Add(new NpgsqlParameter { Value = position });
        return (double)(await command.ExecuteScalarAsync())!;
    }

    // The server's CPU so far, in clock ticks (USER_HZ, 100 a second): the postmaster's own and its reaped children's
    // (utime, stime, cutime, cstime: fields 14-17 of /proc/<pid>/stat) and every live child's (backends, walwriter...).
    private long ServerCpuTicks()
    {
        var postmaster = int.Parse(File.ReadLines(Path.Combine(_server.DataDirectory, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);
        var total = Ticks(postmaster, withChildren: true);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && pid != postmaster && Stat(pid) is { } stat && stat[1] == postmaster.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                total += Ticks(pid, withChildren: false);
            }
        }

        return total;
    }

    private static long Ticks(int pid, bool withChildren)
    {
        // After the command name (in parentheses, which may hold spaces): state is field 3, utime field 14.
        var fields = Stat(pid);
        if (fields is null)
        {
            return 0;
        }

        var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        return withChildren
            ? ticks + long.Parse(fields[13], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[14], System.Globalization.CultureInfo.InvariantCulture)
            : ticks;
    }

    // The fields of /proc/<pid>/stat after the command name: [0] state, [1] ppid, ... [11] utime, [12] stime, [13] cutime, [14] cstime.
    private static string[]? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    // An allowed request's decision as the gateway records it before forwarding.
    private static AuditEntry Decision(string tenant, string agent) => new()
    {
        Tenant = tenant,
        Workspace = "default",
        Agent = agent,
        Tool = "crm.read_contact",
        Connector = "crm",
        RequestId = "req_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)),
        Decision = "allow",
        Explanation = """{"decision":"allow","rule":"crm-read","reason":"reading a contact is allowed for support agents","controls":[{"id":"rate","passed":true},{"id":"scope","passed":true}]}"""u8.ToArray(),
        PolicyDigest = Convert.ToHexStringLower(SHA256.HashData("policy"u8)),
        IntentDigest = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
        StatusCode = 0,
    };
}
