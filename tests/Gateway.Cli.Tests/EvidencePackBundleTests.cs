using System.Net;

namespace Gateway.Cli.Tests;

/// <summary>
/// The policy an evidence pack carries (<c>export --with-bundle</c>), against the real gateway on Kestrel: only the
/// tenant's own file goes in (never another tenant's, nor the secrets a bundle keeps beside it); a bundle that is not the
/// policy the records were decided under is refused at export; and one swapped in later is <c>bundle_mismatch</c> at
/// verify even when the manifest was signed again (any auditor token can have it signed).
/// </summary>
public sealed class EvidencePackBundleTests : IAsyncLifetime
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
    public async Task Export_WithBundle_CarriesOnlyTheTenantsOwnPolicyFile()
    {
        File.WriteAllText(Path.Combine(_gw.BundleDirectory, "globex.yaml"), "# another tenant's policy\n");

        var pack = await ExportAsync(_gw.BundleDirectory);

        Assert.Equal(["bundle/demo.yaml"], PackZip.Entries(pack, "bundle/"));
        var verified = await CliRun.RunAsync("evidence", "verify", pack);
        Assert.True(verified.ExitCode == 0, verified.Out + verified.Error);
    }

    [Fact]
    public async Task Export_WithBundleWhoseFileIsNamedOtherwise_CarriesTheFileItsTenantLineNames()
    {
        var renamed = Directory.CreateTempSubdirectory("gatewayctl-renamed-").FullName;
        File.Copy(Path.Combine(_gw.BundleDirectory, "demo.yaml"), Path.Combine(renamed, "prod.YAML"));
        File.WriteAllText(Path.Combine(renamed, "demo.yml"), "tenant: other\n");

        var pack = await ExportAsync(renamed);

        Assert.Equal(["bundle/demo.yaml"], PackZip.Entries(pack, "bundle/"));
        Assert.Equal(File.ReadAllText(Path.Combine(renamed, "prod.YAML")), PackZip.Read(pack, "bundle/demo.yaml"));
        var verified = await CliRun.RunAsync("evidence", "verify", pack);
        Assert.True(verified.ExitCode == 0, verified.Out + verified.Error);
    }

    [Fact]
    public async Task Export_WithABundleNotInForce_IsRefusedAndWritesNoPack()
    {
        var other = CliRun.CopyBundle(static yaml => yaml.Replace("limit: 120", "limit: 121", StringComparison.Ordinal));
        var pack = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-bundle-").FullName, "pack.zip");

        var export = await _gw.RunAsync(DemoGateway.AdminToken, "evidence", "export", "--tenant", DemoGateway.Tenant, "--run-id", _run, "--with-bundle", other, "-o", pack);

        Assert.Equal(6, export.ExitCode);
        Assert.Contains("bundle_mismatch", export.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(pack));
    }

    [Fact]
    public async Task Verify_PolicySwappedAndManifestSignedAgain_IsBundleMismatch()
    {
        var pack = await ExportAsync(_gw.BundleDirectory);
        PackZip.Rewrite(pack, "bundle/demo.yaml", static yaml => yaml.Replace("limit: 120", "limit: 100000", StringComparison.Ordinal));
        await PackZip.ResignAsync(_gw, pack, DemoGateway.AdminToken, "bundle/demo.yaml");

        var verified = await CliRun.RunAsync("evidence", "verify", pack);

        Assert.Equal(2, verified.ExitCode);
        Assert.Contains("bundle_mismatch: bundle/demo.yaml is not the policy any record of the pack was decided under", verified.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("manifest_", verified.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bundle/secrets/demo-agent.secret")]
    [InlineData("bundle/globex.yaml")]
    public async Task Verify_FileBesideTheTenantsPolicyAddedAndSignedAgain_IsBundleMismatch(string added)
    {
        var pack = await ExportAsync(_gw.BundleDirectory);
        PackZip.Add(pack, added, "anything\n");
        await PackZip.ResignAsync(_gw, pack, DemoGateway.AdminToken, added);

        var verified = await CliRun.RunAsync("evidence", "verify", pack);

        Assert.Equal(2, verified.ExitCode);
        Assert.Contains($"bundle_mismatch: {added} is not the tenant's own policy file", verified.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_BundleDigestListEditedAndSignedAgain_IsBundleMismatch()
    {
        var pack = await ExportAsync(bundle: null);
        PackZip.Rewrite(pack, "bundle-digest.json", static _ => """{"policy_digests":["0000000000000000000000000000000000000000000000000000000000000000"]}""");
        await PackZip.ResignAsync(_gw, pack, DemoGateway.AdminToken, "bundle-digest.json");

        var verified = await CliRun.RunAsync("evidence", "verify", pack);

        Assert.Equal(2, verified.ExitCode);
        Assert.Contains("bundle_mismatch: bundle-digest.json", verified.Out, StringComparison.Ordinal);
    }

    private async Task<string> ExportAsync(string? bundle)
    {
        var pack = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-bundle-").FullName, "pack.zip");
        string[] with = bundle is null ? [] : ["--with-bundle", bundle];
        var export = await _gw.RunAsync(DemoGateway.AdminToken, ["evidence", "export", "--tenant", DemoGateway.Tenant, "--run-id", _run, .. with, "-o", pack]);
        Assert.True(export.ExitCode == 0, export.Out + export.Error);
        return pack;
    }
}
