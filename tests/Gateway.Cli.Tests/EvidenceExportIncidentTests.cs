using Gateway.Oversight.Incidents;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Cli.Tests;

/// <summary><c>evidence export --incident-id</c>: the records of an incident's agent, tool and intent, found by the incident's id.</summary>
public sealed class EvidenceExportIncidentTests : IAsyncLifetime
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";

    private DemoGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await DemoGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task EvidenceExport_IncidentOlderThanTheHundredMostRecent_ExportsItsRecordsAndVerifies()
    {
        var intent = await _gw.EvaluateForIntentAsync(ReadContact);
        var incidents = _gw.Services.GetRequiredService<IncidentService>();
        var incident = await incidents.OpenAsync(DemoGateway.Tenant, "demo-agent", "crm.read_contact", intent, explanationJson: null, findingIds: null);
        for (var i = 0; i < 120; i++)
        {
            await incidents.OpenAsync(DemoGateway.Tenant, "demo-agent", "crm.read_contact", "another-intent-" + i, explanationJson: null, findingIds: null);
        }

        var pack = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-pack-").FullName, "incident.zip");
        var export = await _gw.RunAsync(DemoGateway.AdminToken, "evidence", "export", "--tenant", DemoGateway.Tenant, "--incident-id", incident.Id, "-o", pack);
        var missing = await _gw.RunAsync(DemoGateway.AdminToken, "evidence", "export", "--tenant", DemoGateway.Tenant, "--incident-id", "inc-none", "-o", pack + ".none");
        var verified = await CliRun.RunAsync("evidence", "verify", pack);

        Assert.True(export.ExitCode == 0, export.Out + export.Error);
        Assert.Matches(@"^gamut-evidence: 1 records, tenant demo", export.Out);
        Assert.True(verified.ExitCode == 0, verified.Out + verified.Error);
        Assert.Contains(intent, PackZip.Read(pack, "records.jsonl"), StringComparison.Ordinal);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("incident_not_found", missing.Out + missing.Error, StringComparison.Ordinal);
    }
}
