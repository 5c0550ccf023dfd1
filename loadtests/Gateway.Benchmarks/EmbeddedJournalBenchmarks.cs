using BenchmarkDotNet.Attributes;
using Gateway.Audit;
using Gateway.Audit.Options;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Benchmarks;

/// <summary>
/// The embedded journal's durable group append, two ways, with the same guarantee (the group is on disk,
/// all or nothing, only if the chain still has the expected length, before the call returns):
/// the file journal as built (<see cref="FileAuditStore"/>: one write and one fsync per group) and SQLite
/// (Microsoft.Data.Sqlite, WAL, <c>synchronous=FULL</c>, one transaction per group that moves the tip
/// only from the expected length and inserts the group's rows). Sealed records of about 1 KB, groups of
/// 1, 16 and 64, files in a fresh directory under the temp path (a real disk, real fsyncs).
/// docs/design-notes.md, "Embedded journal: file vs SQLite", has a run and the decision.
/// </summary>
[MemoryDiagnoser]
public class EmbeddedJournalBenchmarks
{
    private static readonly AuditPartition Partition = new("acme", "gateway-0");

    private string _directory = null!;
    private FileAuditStore _file = null!;
    private long _fileLength;
    private SqliteConnection _sqlite = null!;
    private SqliteCommand _advance = null!;
    private SqliteCommand _insert = null!;
    private long _sqliteLength;
    private byte[][] _lines = [];
    private string _lastHash = AuditCanonicalJson.GenesisHash;

    [Params(1, 16, 64)]
    public int GroupSize { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _directory = Directory.CreateTempSubdirectory("journal-bench-").FullName;
        _lines = SealGroup(GroupSize, out _lastHash);

        var options = Microsoft.Extensions.Options.Options.Create(new AuditOptions { Directory = Path.Combine(_directory, "file") });
        _file = new FileAuditStore(options, NullLogger<FileAuditStore>.Instance);
        await _file.RecoverAllAsync();

        _sqlite = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(_directory, "audit.db"), Pooling = false }.ToString());
        _sqlite.Open();
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
        Execute("""
            CREATE TABLE audit_chains (tenant TEXT NOT NULL, replica TEXT NOT NULL, length INTEGER NOT NULL, last_hash TEXT NOT NULL, PRIMARY KEY (tenant, replica)) WITHOUT ROWID;
            CREATE TABLE audit_records (tenant TEXT NOT NULL, replica TEXT NOT NULL, seq INTEGER NOT NULL, line TEXT NOT NULL, PRIMARY KEY (tenant, replica, seq)) WITHOUT ROWID;
            INSERT INTO audit_chains VALUES ('acme', 'gateway-0', 0, '0000000000000000000000000000000000000000000000000000000000000000');
            """);
        _advance = Command("UPDATE audit_chains SET length = $length, last_hash = $hash WHERE tenant = $tenant AND replica = $replica AND length = $expected", "$length", "$hash", "$tenant", "$replica", "$expected");
        _insert = Command("INSERT INTO audit_records (tenant, replica, seq, line) VALUES ($tenant, $replica, $seq, $line)", "$tenant", "$replica", "$seq", "$line");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _advance.Dispose();
        _insert.Dispose();
        _sqlite.Dispose();
        _file.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The file journal as built: the group's lines in one write, then one fsync.</summary>
    [Benchmark(Baseline = true)]
    public async Task<bool> FileJournal()
    {
        var appended = await _file.TryAppendAsync(Partition, _fileLength, _lines, _lastHash, [], []);
        _fileLength += _lines.Length;
        return appended;
    }

    /// <summary>SQLite: one IMMEDIATE transaction per group (tip moved from the expected length, then the rows), committed with a WAL fsync.</summary>
    [Benchmark]
    public bool Sqlite()
    {
        using var transaction = _sqlite.BeginTransaction();
        _advance.Transaction = transaction;
        _advance.Parameters["$length"].Value = _sqliteLength + _lines.Length;
        _advance.Parameters["$hash"].Value = _lastHash;
        _advance.Parameters["$tenant"].Value = Partition.Tenant;
        _advance.Parameters["$replica"].Value = Partition.Replica;
        _advance.Parameters["$expected"].Value = _sqliteLength;
        if (_advance.ExecuteNonQuery() != 1)
        {
            return false;
        }

        _insert.Transaction = transaction;
        _insert.Parameters["$tenant"].Value = Partition.Tenant;
        _insert.Parameters["$replica"].Value = Partition.Replica;
        for (var i = 0; i < _lines.Length; i++)
        {
            _insert.Parameters["$seq"].Value = _sqliteLength + i + 1;
            _insert.Parameters["$line"].Value = _lines[i];
            _insert.ExecuteNonQuery();
        }

        transaction.Commit();
        _sqliteLength += _lines.Length;
        return true;
    }

    private static byte[][] SealGroup(int size, out string lastHash)
    {
        var lines = new byte[size][];
        var previous = AuditCanonicalJson.GenesisHash;
        for (var i = 0; i < size; i++)
        {
            var (record, line) = AuditSeal.Seal(new AuditRecord
            {
                Seq = i + 1,
                Time = DateTimeOffset.UnixEpoch.AddSeconds(i),
                Tenant = Partition.Tenant,
                Replica = Partition.Replica,
                PrevHash = previous,
                Workspace = "support",
                Agent = "support-bot",
                Tool = "crm.contacts.read",
                Connector = "crm",
                RequestId = Guid.NewGuid().ToString("N"),
                Decision = "allow_and_log",
                FailingControls = ["data_classes"],
                PolicyDigest = new string('p', 64),
                IntentDigest = new string('i', 64),
                Redactions = new Dictionary<string, int> { ["email"] = 2 },
                StatusCode = 200,
                UpstreamStatus = 200,
                Invoked = true,
                LatencyMs = 12.75,
                Explanation = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
                {
                    ["summary"] = "Allowed with logging: the arguments carry personal data that the policy lets this agent read.",
                    ["rule"] = "support-may-read-contacts",
                    ["provenance"] = "user-turn; tool-result(crm.contacts.search)",
                }),
            });
            lines[i] = line;
            previous = record.Hash!;
        }

        lastHash = previous;
        return lines;
    }

    private void Execute(string sql)
    {
        using var command = _sqlite.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, params string[] parameters)
    {
        var command = _sqlite.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }
}
