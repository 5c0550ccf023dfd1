using System.Globalization;
using System.Text.Json;

namespace Gateway.Cli.Tests;

/// <summary>
/// <c>gatewayctl evidence export --from/--to</c> against the real gateway on Kestrel: the times signed into the pack's
/// manifest in the one form the verifier reads, whatever form they were typed in; an unreadable time refused before
/// anything is asked.
/// </summary>
public sealed class EvidenceExportTimeRangeTests : IAsyncLifetime
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";
    private DemoGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await DemoGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task EvidenceExport_TimesWithoutAnOffset_AreSignedAsUtcAndTheRangeVerifies()
    {
        // "2026-12-01 09:00:00" reads as UTC at the gateway; the signed manifest holds it in the one form the verifier
        // reads, so the verifier checks every record against the same window on any machine.
        var from = DateTimeOffset.UtcNow.AddMinutes(-1);
        await _gw.EvaluateAsync(ReadContact);
        var to = DateTimeOffset.UtcNow.AddMinutes(5);
        var pack = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-pack-").FullName, "pack.zip");
        const string Spaced = "yyyy-MM-dd HH:mm:ss";

        var export = await _gw.RunAsync(DemoGateway.AdminToken, "evidence", "export", "--tenant", DemoGateway.Tenant,
            "--from", from.ToString(Spaced, CultureInfo.InvariantCulture), "--to", to.ToString(Spaced, CultureInfo.InvariantCulture), "-o", pack);
        var verified = await CliRun.RunAsync("evidence", "verify", pack);
        var unreadable = await _gw.RunAsync(DemoGateway.AdminToken, "evidence", "export", "--tenant", DemoGateway.Tenant,
            "--from", "yesterday", "--to", to.ToString(Spaced, CultureInfo.InvariantCulture), "-o", Path.Combine(Path.GetTempPath(), "never.zip"));

        Assert.True(export.ExitCode == 0, export.Out + export.Error);
        using var manifest = JsonDocument.Parse(PackZip.Read(pack, "manifest.json"));
        var selection = manifest.RootElement.GetProperty("selection");
        Assert.Equal(new DateTimeOffset(from.Year, from.Month, from.Day, from.Hour, from.Minute, from.Second, TimeSpan.Zero).ToString("O", CultureInfo.InvariantCulture),
            selection.GetProperty("from").GetString());
        Assert.EndsWith("+00:00", selection.GetProperty("to").GetString(), StringComparison.Ordinal);
        Assert.True(verified.ExitCode == 0, verified.Out + verified.Error);
        Assert.Equal(6, unreadable.ExitCode);
        Assert.Contains("--from must be a time", unreadable.Error, StringComparison.Ordinal);
    }
}
