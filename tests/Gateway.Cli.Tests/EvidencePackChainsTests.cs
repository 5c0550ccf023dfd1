using System.IO.Compression;
using System.Net;
using System.Text.Json;

namespace Gateway.Cli.Tests;

/// <summary>
/// A gateway writing four audit chains per tenant (<c>Gateway:Audit:ChainsPerReplica</c>, #71): its evidence pack holds
/// a checkpoint and proofs of every chain its records are in and verifies offline; <c>audit export</c> then
/// <c>audit verify --file</c> verifies every chain, as <c>audit verify</c> does online.
/// </summary>
public sealed class EvidencePackChainsTests : IAsyncLifetime
{
    private DemoGateway _gw = null!;

    public async Task InitializeAsync() =>
        _gw = await DemoGateway.StartAsync(configuration: new Dictionary<string, string?> { ["Gateway:Audit:ChainsPerReplica"] = "4" });

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task EvidenceExportThenVerify_FourChains_EveryChainCheckpointedAndVerifiedOffline()
    {
        var run = await DecideInARunAsync(16);
        var pack = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-pack-").FullName, "pack.zip");

        var export = await _gw.RunAsync(DemoGateway.AdminToken, ["evidence", "export", "--tenant", DemoGateway.Tenant, "--run-id", run, "-o", pack]);
        var verified = await CliRun.RunAsync("evidence", "verify", pack);

        Assert.True(export.ExitCode == 0, export.Out + export.Error);
        Assert.True(verified.ExitCode == 0, verified.Out + verified.Error);
        using var zip = ZipFile.OpenRead(pack);
        using var reader = new StreamReader(zip.GetEntry("records.jsonl")!.Open());
        var chains = (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(static line => JsonDocument.Parse(line).RootElement.GetProperty("replica").GetString()!)
            .ToList();
        var distinct = chains.Distinct(StringComparer.Ordinal).ToList();
        Assert.True(distinct.Count > 1, string.Join(", ", distinct));
        Assert.All(distinct, chain => Assert.NotNull(zip.GetEntry("checkpoints/" + chain + ".json")));
        Assert.Contains($"verified: {chains.Count} records, {distinct.Count} checkpoint(s)", verified.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditExportThenVerifyFile_FourChains_EveryChainVerifiesOfflineAsOnline()
    {
        await DecideInARunAsync(16);
        var path = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-export-").FullName, "audit.jsonl");

        var online = await _gw.RunAsync(DemoGateway.AdminToken, ["audit", "verify", "--tenant", DemoGateway.Tenant, "--json"]);
        var export = await _gw.RunAsync(DemoGateway.AdminToken, ["audit", "export", "--tenant", DemoGateway.Tenant, "--output", path]);
        var offline = await CliRun.RunAsync("audit", "verify", "--file", path, "--json");

        Assert.True(online.ExitCode == 0, online.Out + online.Error);
        Assert.True(export.ExitCode == 0, export.Out + export.Error);
        Assert.True(offline.ExitCode == 0, offline.Out + offline.Error);
        using var onlineJson = JsonDocument.Parse(online.Out);
        using var offlineJson = JsonDocument.Parse(offline.Out);
        Assert.Equal(Replicas(onlineJson.RootElement), Replicas(offlineJson.RootElement));
        Assert.True(Replicas(offlineJson.RootElement).Count > 1);
    }

    private static List<string> Replicas(JsonElement verification) =>
        [.. verification.GetProperty("partitions").EnumerateArray().Select(static c => c.GetProperty("replica").GetString()!).Order(StringComparer.Ordinal)];

    private async Task<string> DecideInARunAsync(int decisions)
    {
        var run = await _gw.StartRunAsync();
        for (var i = 0; i < decisions; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await _gw.EvaluateInRunAsync(run, $$$"""{"tool":"crm.read_contact","args":{"id":"c-{{{i}}}"}}"""));
        }

        return run;
    }
}
