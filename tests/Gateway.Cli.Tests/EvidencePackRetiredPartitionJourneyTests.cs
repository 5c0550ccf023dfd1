using System.Globalization;
using System.Text.Json;
using Gateway.Testing;
using Npgsql;

namespace Gateway.Cli.Tests;

/// <summary>
/// The auditor's journey (issue #46) across a retired partition, against the real gateway on Kestrel with its journal on
/// a real PostgreSQL, each step the command docs/evidence.md and docs/cli.md give: records are written two days ago and
/// today, the auditor keeps a checkpoint, the operator retires the old day (<c>audit retire-partition</c>), the gateway
/// restarts (it never read the retired lines), and an evidence pack over a window that spans the retired and the kept
/// records exports and verifies: the kept records' proofs and the consistency proof from the checkpoint taken before the
/// retirement hold, a retired record's own proof is 410 <c>record_retired</c>, its line is in the retention export
/// (which verifies offline), and the pack names what was retired rather than failing. The partitions are made daily
/// from two days ago and the database's storage clock (the default of <c>stored_at</c>) is set back while the old
/// records are written, so that they land in that day's partition as they would have on that day.
/// </summary>
public sealed class EvidencePackRetiredPartitionJourneyTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Today = new(DateTime.UtcNow.Date, TimeSpan.Zero);
    private readonly string _work = Directory.CreateTempSubdirectory("gatewayctl-retired-journey-").FullName;
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
    }

    public async Task DisposeAsync()
    {
        await _gw.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task EvidenceExportThenVerify_WindowSpanningARetiredPartition_KeptRecordsVerifyAndThePackNamesTheRetired()
    {
        var from = DateTimeOffset.UtcNow.AddMinutes(-1);
        await StoredTwoDaysAgoAsync(async () =>
        {
            foreach (var id in new[] { "c-1", "c-2", "c-3" })
            {
                await _gw.EvaluateAsync($$$"""{"tool":"crm.read_contact","args":{"id":"{{{id}}}"}}""");
            }
        });

        // Issued after the old day's records: its issue is itself a record of the tenant's chain, stored today.
        var auditor = await _gw.IssueTokenAsync("--name", "audrey", "--role", "auditor", "--tenant", DemoGateway.Tenant);

        // The auditor keeps a checkpoint (as a witness would), then the gateway goes on recording.
        var held = Path.Combine(_work, "cp-before.json");
        var checkpointed = await _gw.RunAsync(auditor, "audit", "checkpoint", "--tenant", DemoGateway.Tenant, "-o", held);
        Assert.True(checkpointed.ExitCode == 0, checkpointed.Out + checkpointed.Error);
        using var before = JsonDocument.Parse(await File.ReadAllTextAsync(held));
        var replica = before.RootElement.GetProperty("replica").GetString()!;
        foreach (var id in new[] { "c-4", "c-5" })
        {
            await _gw.EvaluateAsync($$$"""{"tool":"crm.read_contact","args":{"id":"{{{id}}}"}}""");
        }

        // The operator retires the old day, export first.
        var exports = Path.Combine(_work, "archive");
        var retirement = await CliRun.RunAsync(_operator, "audit", "retire-partition", "--before", Today.ToString("O", CultureInfo.InvariantCulture), "--export-dir", exports, "--json");
        Assert.True(retirement.ExitCode == 0, retirement.Out + retirement.Error);
        var partition = $"audit_records_p{Today.AddDays(-2):yyyyMMdd}";
        using var retiredDays = JsonDocument.Parse(retirement.Out);
        var oldDay = retiredDays.RootElement.GetProperty("retired").EnumerateArray().Single(d => d.GetProperty("partition").GetString() == partition);
        var retired = oldDay.GetProperty("records").GetInt64();
        Assert.True(retired >= 3, retirement.Out);

        // From here on a gateway process that never read the retired lines: its trees come from the leaves kept at retirement.
        _gw = await _gw.RestartAsync();

        // A retired record's own proof is gone (410); its line is in the retention export, which verifies offline.
        var gone = await _gw.RunAsync(auditor, "audit", "prove", "--tenant", DemoGateway.Tenant, "--seq", "1", "--replica", replica);
        Assert.True(gone.ExitCode == 1 && (gone.Out + gone.Error).Contains("record_retired", StringComparison.Ordinal), $"{gone.ExitCode}: {gone.Out}{gone.Error}");
        var archived = Path.Combine(exports, partition, DemoGateway.Tenant + ".jsonl");
        var offline = await CliRun.RunAsync("audit", "verify", "--file", archived);
        Assert.True(offline.ExitCode == 0, offline.Out + offline.Error);

        // The pack over a window spanning both days' records: only the kept ones, proven, and the retired ones named.
        var pack = Path.Combine(_work, "pack.zip");
        var export = await _gw.RunAsync(
            auditor, "evidence", "export", "--tenant", DemoGateway.Tenant, "--from", Iso(from), "--to", Iso(DateTimeOffset.UtcNow.AddMinutes(5)),
            "--after-checkpoint", held, "-o", pack);
        Assert.True(export.ExitCode == 0, export.Out + export.Error);
        Assert.Contains($"records 1..{retired} of replica {replica} retired before the export", export.Out, StringComparison.Ordinal);

        var verified = await CliRun.RunAsync("evidence", "verify", pack, "--after-checkpoint", held);

        Assert.True(verified.ExitCode == 0, verified.Out + verified.Error);
        Assert.Contains($"the pack states records 1..{retired} of replica {replica} were retired before the export; the gateway's checkpoint does not attest it", verified.Out, StringComparison.Ordinal);
        var seqs = PackZip.Read(pack, "records.jsonl").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(static line => JsonDocument.Parse(line).RootElement.GetProperty("seq").GetInt64()).ToList();
        Assert.NotEmpty(seqs);
        Assert.All(seqs, seq => Assert.True(seq > retired, $"retired record {seq} in the pack"));
        Assert.Contains(PackZip.Entries(pack, "consistency/"), static name => name.StartsWith("consistency/", StringComparison.Ordinal));

        // The statement is bound like every file: claiming fewer records retired is refused.
        var claimed = Path.Combine(_work, "claimed.zip");
        File.Copy(pack, claimed);
        PackZip.Rewrite(claimed, "retired.json", text => text.Replace($"\"retired_through_seq\": {retired}", "\"retired_through_seq\": 1", StringComparison.Ordinal));
        var refused = await CliRun.RunAsync("evidence", "verify", claimed);
        Assert.True(refused.ExitCode == 2 && refused.Out.Contains("file_altered: retired.json", StringComparison.Ordinal), refused.Out + refused.Error);

        // And checked against the proofs: a statement that a kept, proven record was retired is refused even when the
        // manifest is re-hashed and signed by the gateway (which signs any digest an auditor sends it).
        var lie = Path.Combine(_work, "lie.zip");
        File.Copy(pack, lie);
        PackZip.Rewrite(lie, "retired.json", text => text.Replace($"\"retired_through_seq\": {retired}", $"\"retired_through_seq\": {seqs.Max()}", StringComparison.Ordinal));
        await PackZip.ResignAsync(_gw, lie, auditor, "retired.json");
        var inconsistent = await CliRun.RunAsync("evidence", "verify", lie);
        Assert.True(inconsistent.ExitCode == 2 && inconsistent.Out.Contains("retired_inconsistent", StringComparison.Ordinal), inconsistent.Out + inconsistent.Error);
        Assert.DoesNotContain("manifest_", inconsistent.Out, StringComparison.Ordinal);
    }

    // Runs `write` with the database's storage clock set back to noon two days ago (UTC), so its records land in that day's partition.
    private async Task StoredTwoDaysAgoAsync(Func<Task> write)
    {
        await OwnerAsync($"ALTER TABLE audit_records ALTER COLUMN stored_at SET DEFAULT '{Today.AddDays(-2).AddHours(12):O}'::timestamptz");
        try
        {
            await write();
        }
        finally
        {
            await OwnerAsync("ALTER TABLE audit_records ALTER COLUMN stored_at SET DEFAULT now()");
        }
    }

    private async Task OwnerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_operator["Gateway__Store__Postgres__ConnectionString"]);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string Iso(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
