using System.Net;
using System.Text.Json;

namespace Gateway.Cli.Tests;

/// <summary>
/// What <c>evidence verify</c> says of the policy file a pack carries (<c>export --with-bundle</c>): the records attest its
/// policy by digest (the parsed policy), never its text, so comments edited and the manifest signed again still verify, and
/// verify says, for the file, that its comments and formatting are not attested.
/// </summary>
public sealed class EvidencePackBundleTextTests : IAsyncLifetime
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";
    private DemoGateway _gw = null!;
    private string _run = null!;

    public async Task InitializeAsync()
    {
        _gw = await DemoGateway.StartAsync();
        _run = await _gw.StartRunAsync();
        Assert.Equal(HttpStatusCode.OK, await _gw.EvaluateInRunAsync(_run, ReadContact));
    }

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task Verify_PolicyFileWithCommentsChanged_SaysItsTextIsNotAttested()
    {
        var pack = await ExportAsync();
        PackZip.Rewrite(pack, "bundle/demo.yaml", static yaml => "# payments.refund: disabled by CISO\n" + yaml);
        await PackZip.ResignAsync(_gw, pack, DemoGateway.AdminToken, "bundle/demo.yaml");

        var text = await CliRun.RunAsync("evidence", "verify", pack);
        var json = await CliRun.RunAsync("evidence", "verify", pack, "--json");

        // The policy is the one the records were decided under: the pack verifies, and says what that covers.
        Assert.True(text.ExitCode == 0, text.Out + text.Error);
        Assert.Contains("bundle/demo.yaml: its policy is attested by digest ", text.Out, StringComparison.Ordinal);
        Assert.Contains("its comments and formatting are not", text.Out, StringComparison.Ordinal);
        Assert.Equal(0, json.ExitCode);
        using var document = JsonDocument.Parse(json.Out);
        var file = Assert.Single(document.RootElement.GetProperty("bundle").EnumerateArray());
        Assert.Equal("bundle/demo.yaml", file.GetProperty("file").GetString());
        Assert.False(file.GetProperty("bundle_text_attested").GetBoolean());
        var digest = file.GetProperty("policy_digest").GetString()!;
        Assert.Contains(digest, text.Out, StringComparison.Ordinal);
        Assert.Contains(digest, PackZip.Read(pack, "bundle-digest.json"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_PackWithoutBundle_NamesNoPolicyFile()
    {
        var pack = await ExportAsync(withBundle: false);

        var text = await CliRun.RunAsync("evidence", "verify", pack);
        var json = await CliRun.RunAsync("evidence", "verify", pack, "--json");

        Assert.True(text.ExitCode == 0, text.Out + text.Error);
        Assert.DoesNotContain("is attested by digest", text.Out, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json.Out);
        Assert.Empty(document.RootElement.GetProperty("bundle").EnumerateArray());
    }

    private async Task<string> ExportAsync(bool withBundle = true)
    {
        var pack = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-bundle-text-").FullName, "pack.zip");
        string[] with = withBundle ? ["--with-bundle", _gw.BundleDirectory] : [];
        var export = await _gw.RunAsync(DemoGateway.AdminToken, ["evidence", "export", "--tenant", DemoGateway.Tenant, "--run-id", _run, .. with, "-o", pack]);
        Assert.True(export.ExitCode == 0, export.Out + export.Error);
        return pack;
    }
}
