using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Cli.Tests;

/// <summary>
/// <c>evidence verify</c> and the tenant of a pack: every tenant's packs are signed with the same receipt keys, so a
/// genuine pack of another tenant verifies under them; the verdict names the tenant the signed manifest states (text
/// and <c>--json</c>), and <c>--expect-tenant</c> fails a pack of any other (<c>tenant_mismatch</c>, exit 2).
/// </summary>
public sealed class EvidencePackSelectionTests
{
    [Fact]
    public async Task Verify_ExpectTenant_OtherTenantsPackIsTenantMismatch()
    {
        var (pack, jwks) = WritePack();

        var other = await CliRun.RunAsync("evidence", "verify", pack, "--jwks", jwks, "--expect-tenant", "globex");
        var otherJson = await CliRun.RunAsync("evidence", "verify", pack, "--jwks", jwks, "--expect-tenant", "globex", "--json");
        var own = await CliRun.RunAsync("evidence", "verify", pack, "--jwks", jwks, "--expect-tenant", SealedPack.Tenant);

        Assert.True(other.ExitCode == 2, other.Out + other.Error);
        Assert.Contains($"tenant_mismatch: the pack is of tenant {SealedPack.Tenant}, you expected globex", other.Out, StringComparison.Ordinal);
        using (var body = JsonDocument.Parse(otherJson.Out))
        {
            Assert.False(body.RootElement.GetProperty("verified").GetBoolean());
            Assert.Equal(SealedPack.Tenant, body.RootElement.GetProperty("tenant").GetString());
            Assert.Contains(body.RootElement.GetProperty("problems").EnumerateArray(), static p => p.GetString()!.StartsWith("tenant_mismatch:", StringComparison.Ordinal));
        }

        Assert.True(own.ExitCode == 0, own.Out + own.Error);
        Assert.Contains($"  tenant: {SealedPack.Tenant}\n", own.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_WithoutExpectTenant_NamesThePacksTenantInTextAndJson()
    {
        var (pack, jwks) = WritePack();

        var text = await CliRun.RunAsync("evidence", "verify", pack, "--jwks", jwks);
        var json = await CliRun.RunAsync("evidence", "verify", pack, "--jwks", jwks, "--json");

        Assert.True(text.ExitCode == 0, text.Out + text.Error);
        Assert.Contains($"  tenant: {SealedPack.Tenant} (as the pack states it: check it is the tenant you exported, or pass --expect-tenant)", text.Out, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(json.Out);
        Assert.True(body.RootElement.GetProperty("verified").GetBoolean());
        Assert.Equal(SealedPack.Tenant, body.RootElement.GetProperty("tenant").GetString());
    }

    [Fact]
    public async Task Verify_ExpectTenantEmpty_IsInvalidInput()
    {
        var (pack, jwks) = WritePack();

        var result = await CliRun.RunAsync("evidence", "verify", pack, "--jwks", jwks, "--expect-tenant", " ");

        Assert.True(result.ExitCode == 6, result.Out + result.Error);
        Assert.Contains("error: invalid_input: --expect-tenant", result.Error, StringComparison.Ordinal);
    }

    // A genuine pack of tenant acme (SealedPack), written as a zip, and the JWKS of the key that signed it.
    private static (string Pack, string Jwks) WritePack()
    {
        var sealedPack = new SealedPack();
        sealedPack.Append(new JsonObject { ["agent"] = "agent-1", ["tool"] = "crm.read", ["request_id"] = "req-1", ["decision"] = "block", ["status_code"] = 403 });
        var dir = Directory.CreateTempSubdirectory("gatewayctl-tenant-").FullName;
        var pack = Path.Combine(dir, "pack.zip");
        using (var zip = ZipFile.Open(pack, ZipArchiveMode.Create))
        {
            foreach (var (name, bytes) in sealedPack.Files())
            {
                using var entry = zip.CreateEntry(name).Open();
                entry.Write(bytes);
            }
        }

        var jwks = Path.Combine(dir, "jwks.json");
        File.WriteAllText(jwks, sealedPack.Keys.ToJwks());
        return (pack, jwks);
    }
}
