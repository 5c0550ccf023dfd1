using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Cli.Evidence;

namespace Gateway.Cli.Tests;

/// <summary>
/// <c>evidence verify</c> and a pack's <c>retired.json</c>: the manifest signature binds it, and any auditor token has the
/// gateway sign a manifest, while the pack's checkpoints sign only the tree's size and root, not where the chain's
/// stored records start. So a pack whose oldest records were dropped with a claim that they were retired verifies, and
/// the claim is printed as the pack states it, unattested, with the command that checks it against the gateway.
/// </summary>
public sealed class EvidencePackRetiredTests
{
    [Fact]
    public async Task Verify_RetiredClaimNotAttestedByTheCheckpoint_IsPrintedAsUnsigned()
    {
        // Records 1 and 2 left out, with their proofs, and claimed retired; the manifest made and signed over that.
        var (pack, jwks) = WritePack(sealedPack => sealedPack.Files([3, 4], files =>
        {
            files.Remove($"{EvidencePack.ProofsFolder}{SealedPack.Replica}-1.json");
            files.Remove($"{EvidencePack.ProofsFolder}{SealedPack.Replica}-2.json");
            files[EvidencePack.Retired] = EvidencePackRetired.Write([new EvidencePackRetired.Chain(SealedPack.Replica, 2)]);
        }));

        var text = await CliRun.RunAsync("evidence", "verify", pack, "--jwks", jwks);
        var json = await CliRun.RunAsync("evidence", "verify", pack, "--jwks", jwks, "--json");

        Assert.True(text.ExitCode == 0, text.Out + text.Error);
        Assert.Contains(
            $"  the pack states records 1..2 of replica {SealedPack.Replica} were retired before the export; the gateway's checkpoint does not attest it: "
            + $"check with `gatewayctl audit list --tenant {SealedPack.Tenant} --replica {SealedPack.Replica} --limit 1` that the chain's first stored record is seq 3",
            text.Out,
            StringComparison.Ordinal);
        Assert.DoesNotContain("  retired before the export:", text.Out, StringComparison.Ordinal);
        Assert.True(json.ExitCode == 0, json.Out + json.Error);
        using var body = JsonDocument.Parse(json.Out);
        var retired = Assert.Single(body.RootElement.GetProperty("retired").EnumerateArray());
        Assert.Equal(2, retired.GetProperty("retired_through_seq").GetInt64());
        Assert.False(retired.GetProperty("attested").GetBoolean());
    }

    // A pack of tenant acme's chain of four sealed records, its files as `files` gives them, written as a zip; and the JWKS of the key that signed it.
    private static (string Pack, string Jwks) WritePack(Func<SealedPack, Dictionary<string, byte[]>> files)
    {
        var sealedPack = new SealedPack();
        for (var i = 1; i <= 4; i++)
        {
            sealedPack.Append(new JsonObject { ["agent"] = "agent-1", ["tool"] = "crm.read", ["request_id"] = "req-" + i, ["decision"] = "block", ["status_code"] = 403 });
        }

        var dir = Directory.CreateTempSubdirectory("gatewayctl-retired-").FullName;
        var pack = Path.Combine(dir, "pack.zip");
        using (var zip = ZipFile.Open(pack, ZipArchiveMode.Create))
        {
            foreach (var (name, bytes) in files(sealedPack))
            {
                using var entry = zip.CreateEntry(name).Open();
                entry.Write(bytes);
            }
        }

        var jwks = Path.Combine(dir, "jwks.json");
        File.WriteAllText(jwks, sealedPack.Keys.ToJwks(), Encoding.UTF8);
        return (pack, jwks);
    }
}
