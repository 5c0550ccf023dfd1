using System.Globalization;
using System.Text.Json;
using Gateway.Store;
using Gateway.Testing;
using Npgsql;

namespace Gateway.Cli.Tests;

/// <summary>
/// <c>audit retire-partition</c>'s export files on a real PostgreSQL journal: the folders it creates are <c>0700</c> and
/// each tenant's file <c>0600</c>; a <c>.partial</c> planted as a link to another file stops the run before anything is
/// retired, and that file stays as it was. Records land in a partition two days old as in
/// <see cref="EvidencePackRetiredPartitionJourneyTests"/>.
/// </summary>
public sealed class AuditRetirePartitionFilesTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Today = new(DateTime.UtcNow.Date, TimeSpan.Zero);
    private readonly string _work = Directory.CreateTempSubdirectory("gatewayctl-retire-files-").FullName;
    private readonly string _partition = $"audit_records_p{Today.AddDays(-2):yyyyMMdd}";
    private Dictionary<string, string?> _operator = null!;
    private DemoGateway _gw = null!;

    public async Task InitializeAsync()
    {
        var connectionString = await (await PostgresServer.Shared).CreateDatabaseAsync();
        _operator = new() { ["Gateway__Store__Postgres__ConnectionString"] = connectionString };
        var migrated = await CliRun.RunAsync(_operator, "db", "migrate");
        Assert.True(migrated.ExitCode == 0, migrated.Error);
        await OwnerAsync($"""
            ALTER TABLE audit_records DETACH PARTITION audit_records_before_{Today.AddDays(1):yyyyMMdd};
            DROP TABLE audit_records_before_{Today.AddDays(1):yyyyMMdd};
            SELECT audit_partition_create(now() - make_interval(days => d)) FROM generate_series(2, 0, -1) AS d;
            """);
        _gw = await DemoGateway.StartAsync(configuration: new Dictionary<string, string?> { ["Gateway:Store:Postgres:ConnectionString"] = connectionString });
        await OwnerAsync($"ALTER TABLE audit_records ALTER COLUMN stored_at SET DEFAULT '{Today.AddDays(-2).AddHours(12):O}'::timestamptz");
        await _gw.EvaluateAsync("""{"tool":"crm.read_contact","args":{"id":"c-1"}}""");
        await OwnerAsync("ALTER TABLE audit_records ALTER COLUMN stored_at SET DEFAULT now()");
    }

    public async Task DisposeAsync()
    {
        await _gw.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task RetirePartition_ExportFolderAndFile_AreOwnerOnly()
    {
        var exports = Path.Combine(_work, "archive");

        var result = await RetireAsync(exports);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        var file = Path.Combine(exports, _partition, DemoGateway.Tenant + ".jsonl");
        Assert.True(new FileInfo(file).Length > 0, result.Out);
        Assert.Empty(Directory.GetFiles(Path.Combine(exports, _partition), "*.partial"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(PrivateFiles.OwnerOnlyDirectory, File.GetUnixFileMode(exports));
            Assert.Equal(PrivateFiles.OwnerOnlyDirectory, File.GetUnixFileMode(Path.Combine(exports, _partition)));
            Assert.Equal(PrivateFiles.OwnerOnlyFile, File.GetUnixFileMode(file));
        }
    }

    [Fact]
    public async Task RetirePartition_PartialPlantedAsSymlinkToAnotherFile_IsRefusedNothingRetiredAndThatFileUnchanged()
    {
        var exports = Path.Combine(_work, "archive");
        var partial = Path.Combine(Directory.CreateDirectory(Path.Combine(exports, _partition)).FullName, DemoGateway.Tenant + ".jsonl.partial");
        var victim = Path.Combine(_work, "victim");
        File.WriteAllText(victim, "precious");
        File.CreateSymbolicLink(partial, victim);

        var result = await RetireAsync(exports);

        Assert.Equal(6, result.ExitCode); // export_failed: ExitCodes.InvalidInput
        Assert.Contains($"export_failed: nothing more was retired: {partial} already exists", result.Error, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(result.Out);
        Assert.Empty(document.RootElement.GetProperty("retired").EnumerateArray());
        Assert.Equal("precious", File.ReadAllText(victim));
        Assert.Equal(victim, new FileInfo(partial).LinkTarget);
        await using var connection = new NpgsqlConnection(_operator["Gateway__Store__Postgres__ConnectionString"]);
        await connection.OpenAsync();
        await using var kept = new NpgsqlCommand($"SELECT count(*) FROM {_partition}", connection);
        Assert.True((long)(await kept.ExecuteScalarAsync())! > 0);
    }

    private Task<CliResult> RetireAsync(string exports) =>
        CliRun.RunAsync(_operator, "audit", "retire-partition", "--before", Today.ToString("O", CultureInfo.InvariantCulture), "--export-dir", exports, "--json");

    private async Task OwnerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_operator["Gateway__Store__Postgres__ConnectionString"]);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
