using System.Text.Json;
using Gateway.Audit;

namespace Gateway.Cli.Tests;

/// <summary>
/// A hole in the middle of a chain on the file sink, end to end: the gateway writes seven records, stops, the line of
/// record 5 is removed from <c>{tenant}@{replica}.audit.jsonl</c>, and it starts again (reading its chain afresh). The
/// proof of record 6, whose place now holds record 7's line, is refused (409 <c>audit_chain_broken</c>) rather than given
/// for record 7; a record before the hole is still proven, and <c>audit prove --verify</c> accepts that proof.
/// </summary>
public sealed class AuditProveHoleJourneyTests : IAsyncLifetime
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";
    private readonly string _work = Directory.CreateTempSubdirectory("gatewayctl-hole-").FullName;
    private DemoGateway _gw = null!;

    private string AuditDirectory => Path.Combine(_work, "audit");

    public async Task InitializeAsync() =>
        _gw = await DemoGateway.StartAsync(configuration: new Dictionary<string, string?>
        {
            ["Gateway:Audit:Sink"] = "file",
            ["Gateway:Audit:Directory"] = AuditDirectory,
        });

    public async Task DisposeAsync()
    {
        await _gw.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task AuditProve_RecordAfterAHoleInTheFileJournal_RefusedNotProvedAsTheNextRecord()
    {
        for (var i = 0; i < 7; i++)
        {
            await _gw.EvaluateAsync(ReadContact);
        }

        var file = Assert.Single(Directory.GetFiles(AuditDirectory, DemoGateway.Tenant + FileAuditStore.ReplicaSeparator + "*" + FileAuditStore.FileSuffix));
        var replica = Path.GetFileName(file)[(DemoGateway.Tenant.Length + 1)..^FileAuditStore.FileSuffix.Length];
        _gw = await _gw.RestartAsync(async () =>
        {
            var lines = await File.ReadAllLinesAsync(file);
            Assert.Contains(lines, static l => l.Contains("\"seq\":7,", StringComparison.Ordinal));
            await File.WriteAllLinesAsync(file, lines.Where(static l => !l.Contains("\"seq\":5,", StringComparison.Ordinal)));
        });

        var refused = await _gw.RunAsync(DemoGateway.AdminToken, "audit", "prove", "--tenant", DemoGateway.Tenant, "--seq", "6", "--replica", replica);
        var proof = Path.Combine(_work, "incl-3.json");
        var before = await _gw.RunAsync(DemoGateway.AdminToken, "audit", "prove", "--tenant", DemoGateway.Tenant, "--seq", "3", "--replica", replica, "-o", proof);
        var jwks = Path.Combine(_work, "jwks.json");
        using (var http = new HttpClient { BaseAddress = _gw.BaseAddress })
        {
            await File.WriteAllTextAsync(jwks, await http.GetStringAsync(".well-known/gamut-receipt-keys.json"));
        }

        var verified = await CliRun.RunAsync("audit", "prove", "--verify", proof, "--jwks", jwks);

        Assert.True(refused.ExitCode == 1, $"{refused.ExitCode}: {refused.Out}{refused.Error}");
        Assert.Contains("audit_chain_broken", refused.Out + refused.Error, StringComparison.Ordinal);
        Assert.Contains("is record 6, not 5", refused.Out + refused.Error, StringComparison.Ordinal);
        Assert.True(before.ExitCode == 0, before.Out + before.Error);
        using (var document = JsonDocument.Parse(await File.ReadAllTextAsync(proof)))
        {
            Assert.Equal(2, document.RootElement.GetProperty("leaf_index").GetInt64());
            Assert.Contains("\"seq\":3,", document.RootElement.GetProperty("record").GetString(), StringComparison.Ordinal);
        }

        Assert.True(verified.ExitCode == 0, verified.Out + verified.Error);
    }
}
