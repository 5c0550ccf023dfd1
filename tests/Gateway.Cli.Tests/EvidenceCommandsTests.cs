using System.Text;
using System.Text.Json;
using Gateway.Policy.Evidence;

namespace Gateway.Cli.Tests;

/// <summary>
/// <c>gatewayctl keys</c> on a ring file, and <c>audit prove --verify</c> offline with the JWKS alone: an honest
/// consistency proof verifies against the checkpoint exported before; a log rewritten since (even re-signed with the
/// gateway's own key) is named against that checkpoint; an altered record fails its inclusion proof.
/// </summary>
public sealed class EvidenceCommandsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Keys_InitRotateList_KeepsTheRetiredKeyAndPrintsNoPrivateKey()
    {
        var dir = Directory.CreateTempSubdirectory("gatewayctl-keys-").FullName;
        var ring = Path.Combine(dir, "receipt-keys.json");

        var init = await CliRun.RunAsync("keys", "init", "--file", ring);
        var again = await CliRun.RunAsync("keys", "init", "--file", ring);
        var rotate = await CliRun.RunAsync("keys", "rotate", "--file", ring);
        var list = await CliRun.RunAsync("keys", "list", "--file", ring);
        var jwks = await CliRun.RunAsync("keys", "list", "--file", ring, "--jwks");

        Assert.Equal(0, init.ExitCode);
        Assert.Equal(6, again.ExitCode);
        Assert.Equal(0, rotate.ExitCode);
        var parsed = ReceiptKeyRing.Parse(File.ReadAllText(ring));
        Assert.Equal(2, parsed.Keys.Count);
        Assert.Contains(parsed.Active.KeyId + "  active", list.Out, StringComparison.Ordinal);
        Assert.Contains(parsed.Keys[0].KeyId + "  retired", list.Out, StringComparison.Ordinal);
        Assert.Equal(2, EvidenceKeySet.Parse(jwks.Out).KeyIds.Count);
        Assert.DoesNotContain("\"d\"", jwks.Out + list.Out, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ring));
        }
    }

    [Fact]
    public async Task ProveVerify_HonestConsistencyProof_Verifies()
    {
        var (dir, ring) = Setup();
        var leaves = Leaves(12, tag: 0);
        Write(dir, "earlier.json", Checkpoint(ring, leaves, 5));
        Write(dir, "proof.json", Consistency(ring, leaves, 5, 12));

        var result = await CliRun.RunAsync("audit", "prove", "--verify", Path.Combine(dir, "proof.json"), "--jwks", Path.Combine(dir, "jwks.json"), "--checkpoint", Path.Combine(dir, "earlier.json"));

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
    }

    [Fact]
    public async Task ProveVerify_HistoryRewrittenAfterTheExportedCheckpoint_IsNamed()
    {
        var (dir, ring) = Setup();
        Write(dir, "earlier.json", Checkpoint(ring, Leaves(12, tag: 0), 5));
        var rewritten = Leaves(12, tag: 0);
        rewritten[2] = MerkleTree.LeafHash("{\"edited\":true}"u8);
        Write(dir, "proof.json", Consistency(ring, rewritten, 5, 12));

        var result = await CliRun.RunAsync("audit", "prove", "--verify", Path.Combine(dir, "proof.json"), "--jwks", Path.Combine(dir, "jwks.json"), "--checkpoint", Path.Combine(dir, "earlier.json"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("history_rewritten", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProveVerify_InclusionOfAnAlteredRecord_Fails()
    {
        var (dir, ring) = Setup();
        var lines = Enumerable.Range(1, 7).Select(static i => SealedLines.Seal($"{{\"prev_hash\":\"{new string('0', 64)}\",\"replica\":\"gw-0\",\"seq\":{i},\"tenant\":\"acme\"}}")).ToList();
        var leaves = lines.Select(static l => MerkleTree.LeafHash(Encoding.UTF8.GetBytes(l))).ToList();
        string Proof(string record) => JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["kind"] = "inclusion",
            ["leaf_index"] = 3,
            ["leaf_hash"] = Convert.ToHexStringLower(leaves[3]),
            ["path"] = MerkleTree.InclusionPath(leaves, 3, 7).Select(Convert.ToHexStringLower).ToArray(),
            ["record"] = record,
            ["checkpoint"] = JsonDocument.Parse(Checkpoint(ring, leaves, 7)).RootElement,
        });
        Write(dir, "good.json", Proof(lines[3]));
        Write(dir, "bad.json", Proof("{\"replica\":\"gw-0\",\"seq\":4,\"tenant\":\"acme\",\"x\":1}"));

        var good = await CliRun.RunAsync("audit", "prove", "--verify", Path.Combine(dir, "good.json"), "--jwks", Path.Combine(dir, "jwks.json"));
        var bad = await CliRun.RunAsync("audit", "prove", "--verify", Path.Combine(dir, "bad.json"), "--jwks", Path.Combine(dir, "jwks.json"));

        Assert.True(good.ExitCode == 0, good.Out + good.Error);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("record_altered", bad.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProveVerify_ExpectTenant_OtherTenantsProofFails()
    {
        // Every tenant's checkpoints are signed with the same receipt keys: a genuine proof of tenant acme verifies under them.
        var (dir, ring) = Setup();
        var lines = Enumerable.Range(1, 5).Select(static i => SealedLines.Seal($"{{\"prev_hash\":\"{new string('0', 64)}\",\"replica\":\"gw-0\",\"seq\":{i},\"tenant\":\"acme\"}}")).ToList();
        var leaves = lines.Select(static l => MerkleTree.LeafHash(Encoding.UTF8.GetBytes(l))).ToList();
        var proof = Path.Combine(dir, "proof.json");
        Write(dir, "proof.json", JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["kind"] = "inclusion",
            ["leaf_index"] = 2,
            ["leaf_hash"] = Convert.ToHexStringLower(leaves[2]),
            ["path"] = MerkleTree.InclusionPath(leaves, 2, 5).Select(Convert.ToHexStringLower).ToArray(),
            ["record"] = lines[2],
            ["checkpoint"] = JsonDocument.Parse(Checkpoint(ring, leaves, 5)).RootElement,
        }));
        var consistency = Path.Combine(dir, "consistency.json");
        Write(dir, "consistency.json", Consistency(ring, Leaves(12, tag: 0), 5, 12));
        var jwks = Path.Combine(dir, "jwks.json");

        var other = await CliRun.RunAsync("audit", "prove", "--verify", proof, "--jwks", jwks, "--expect-tenant", "globex");
        var otherJson = await CliRun.RunAsync("audit", "prove", "--verify", proof, "--jwks", jwks, "--expect-tenant", "globex", "--json");
        var own = await CliRun.RunAsync("audit", "prove", "--verify", proof, "--jwks", jwks, "--expect-tenant", "acme");
        var otherConsistency = await CliRun.RunAsync("audit", "prove", "--verify", consistency, "--jwks", jwks, "--expect-tenant", "globex");

        Assert.True(other.ExitCode == 2, other.Out + other.Error);
        Assert.Contains("does NOT verify: tenant_mismatch: the proof is of tenant acme, you expected globex", other.Out, StringComparison.Ordinal);
        using (var body = JsonDocument.Parse(otherJson.Out))
        {
            Assert.False(body.RootElement.GetProperty("verified").GetBoolean());
            Assert.Equal(("acme", "gw-0", 3), (body.RootElement.GetProperty("tenant").GetString(), body.RootElement.GetProperty("replica").GetString(), body.RootElement.GetProperty("seq").GetInt64()));
        }

        Assert.True(own.ExitCode == 0, own.Out + own.Error);
        Assert.Contains($"Proof {proof} verified with the JWKS: the record of tenant acme replica gw-0 seq 3 in its tree of 5 records", own.Out, StringComparison.Ordinal);
        Assert.True(otherConsistency.ExitCode == 2, otherConsistency.Out + otherConsistency.Error);
        Assert.Contains("tenant_mismatch: the proof is of tenant acme, you expected globex", otherConsistency.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_GatewayAnswersRecordsWithoutReplica_IsUnexpectedAnswerExit7()
    {
        // A 200 answer of a shape gatewayctl does not know (an old or foreign server): named, never a stack trace.
        await using var server = await AnsweringServer.StartAsync("application/json", """{"records":[{"seq":1}]}""");
        var pack = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-odd-").FullName, "pack.zip");

        var result = await CliRun.RunAsync(
            new Dictionary<string, string?> { ["GATEWAY_ADMIN_TOKEN"] = "gatewayctl-tests-token" },
            "evidence", "export", "--tenant", "acme", "--from", "2026-12-01T00:00:00Z", "--to", "2026-12-02T00:00:00Z", "-o", pack, "--url", server.BaseAddress.ToString());

        Assert.True(result.ExitCode == 7, result.Out + result.Error);
        Assert.Contains("error: unexpected_answer:", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Out + result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(pack));
        Assert.False(File.Exists(pack + ".partial"));
    }

    private static (string Dir, ReceiptKeyRing Ring) Setup()
    {
        var dir = Directory.CreateTempSubdirectory("gatewayctl-prove-").FullName;
        var ring = ReceiptKeyRing.Generate(Now);
        Write(dir, "jwks.json", ring.ToJwks());
        return (dir, ring);
    }

    private static List<byte[]> Leaves(int count, int tag) =>
        [.. Enumerable.Range(0, count).Select(i => MerkleTree.LeafHash(Encoding.UTF8.GetBytes($"{{\"seq\":{i + 1},\"t\":{tag}}}")))];

    private static string Checkpoint(ReceiptKeyRing ring, List<byte[]> leaves, long size)
    {
        var claims = new AuditCheckpoint { Tenant = "acme", Replica = "gw-0", TreeSize = size, RootHash = Convert.ToHexStringLower(MerkleTree.Root(leaves, size)), Time = Now };
        return JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["checkpoint"] = claims.Sign(ring.Active),
            ["tenant"] = claims.Tenant,
            ["replica"] = claims.Replica,
            ["tree_size"] = claims.TreeSize,
            ["root_hash"] = claims.RootHash,
        });
    }

    private static string Consistency(ReceiptKeyRing ring, List<byte[]> leaves, long first, long second) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["kind"] = "consistency",
        ["path"] = MerkleTree.ConsistencyPath(leaves, first, second).Select(Convert.ToHexStringLower).ToArray(),
        ["first"] = JsonDocument.Parse(Checkpoint(ring, leaves, first)).RootElement,
        ["second"] = JsonDocument.Parse(Checkpoint(ring, leaves, second)).RootElement,
    });

    private static void Write(string dir, string name, string text) => File.WriteAllText(Path.Combine(dir, name), text);
}
