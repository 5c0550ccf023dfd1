using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Audit;
using Gateway.Policy.Evidence;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Gateway.Proxy.Tests.Record;

/// <summary>
/// Through the running gateway: each decision's receipt (header and body) verifies with the published JWKS alone and
/// names its audit record's leaf; the record's inclusion proof and the consistency proof between checkpoints verify with
/// the RFC 9162 verifier; checkpoints reach a witness on a real Kestrel endpoint.
/// </summary>
public sealed class ReceiptAndProofTests : IClassFixture<EvidenceGateway>
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"42"}}""";

    private readonly EvidenceGateway _evidence;

    public ReceiptAndProofTests(EvidenceGateway evidence) => _evidence = evidence;

    private GovernedGateway Gw => _evidence.Gateway;

    [Fact]
    public async Task Evaluate_Decision_ReceiptInHeaderAndBodyVerifiesWithTheJwksAndNamesTheRequest()
    {
        using var response = await Gw.Agent.PostJsonAsync("/v1/evaluate", ReadContact);
        var body = await DecisionJson.ReadAsync(response, HttpStatusCode.OK);
        var receipt = Assert.Single(response.Headers.GetValues("Gamut-Receipt"));

        Assert.Equal(receipt, body.GetProperty("receipt").GetString());
        Assert.True(DecisionReceipt.TryVerify(receipt, await _evidence.JwksAsync(), out var claims, out var error), error);
        Assert.Equal("demo", claims!.Tenant);
        Assert.Equal(body.GetProperty("decision").GetString(), claims.Decision);
        Assert.Equal(Assert.Single(response.Headers.GetValues("X-Request-Id")), claims.RequestId);
        Assert.Equal("crm.read_contact", claims.Tool);
        Assert.Equal(64, claims.IntentDigest!.Length);
        Assert.Equal(64, claims.PolicyDigest!.Length);
    }

    [Fact]
    public async Task InvokeTool_Blocked_ProblemCarriesAVerifiableReceipt()
    {
        using var response = await Gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"mail.send","args":{"to":"x@gmail.com","body":"hi"}}""");
        var problem = await DecisionJson.ReadAsync(response, HttpStatusCode.Forbidden);

        var receipt = problem.GetProperty("receipt").GetString();
        Assert.Equal(receipt, Assert.Single(response.Headers.GetValues("Gamut-Receipt")));
        Assert.True(DecisionReceipt.TryVerify(receipt, await _evidence.JwksAsync(), out var claims, out _));
        Assert.Equal("block", claims!.Decision);
    }

    [Fact]
    public async Task Providers_StreamedAnswer_CarriesTheDecisionsReceiptInItsHeaders()
    {
        // The upstream's event stream starts the response while it is forwarded: the receipt goes out with its headers.
        using var request = Gw.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/sse-split-" + Guid.NewGuid().ToString("N"));
        using var response = await Gw.Host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var receipt = Assert.Single(response.Headers.GetValues("Gamut-Receipt"));
        Assert.True(DecisionReceipt.TryVerify(receipt, await _evidence.JwksAsync(), out var claims, out var error), error);
        Assert.Equal("crm.read_contact", claims!.Tool);
        Assert.Equal(Assert.Single(response.Headers.GetValues("X-Request-Id")), claims.RequestId);
    }

    [Fact]
    public async Task InclusionProof_ReceiptsRecord_VerifiesAgainstTheSignedCheckpoint()
    {
        using var response = await Gw.Agent.PostJsonAsync("/v1/evaluate", ReadContact);
        var receipt = Assert.Single(response.Headers.GetValues("Gamut-Receipt"));
        var keys = await _evidence.JwksAsync();
        Assert.True(DecisionReceipt.TryVerify(receipt, keys, out var claims, out _));

        var proof = await GetAsync($"/admin/v1/tenants/demo/audit/proof/inclusion?request_id={claims!.RequestId}");

        // The record's line hashes to the receipt's leaf, and the path leads from it to the checkpoint's signed root.
        var line = proof.GetProperty("record").GetString()!;
        Assert.Equal(claims.LeafHash, Convert.ToHexStringLower(MerkleTree.LeafHash(Encoding.UTF8.GetBytes(line))));
        Assert.Equal(claims.LeafIndex, proof.GetProperty("leaf_index").GetInt64());
        Assert.True(AuditCheckpoint.TryVerify(proof.GetProperty("checkpoint").GetProperty("checkpoint").GetString(), keys, out var checkpoint, out _));
        Assert.True(MerkleProof.VerifyInclusion(Convert.FromHexString(claims.LeafHash), claims.LeafIndex, checkpoint!.TreeSize,
            [.. proof.GetProperty("path").EnumerateArray().Select(static p => Convert.FromHexString(p.GetString()!))], Convert.FromHexString(checkpoint.RootHash)));
        using var record = JsonDocument.Parse(line);
        Assert.Equal(claims.RecordHash, record.RootElement.GetProperty("hash").GetString());
    }

    [Fact]
    public async Task ConsistencyProof_BetweenTwoCheckpoints_Verifies()
    {
        using (await Gw.Agent.PostJsonAsync("/v1/evaluate", ReadContact))
        {
        }

        var earlier = await GetAsync("/admin/v1/tenants/demo/audit/checkpoint");
        for (var i = 0; i < 3; i++)
        {
            using (await Gw.Agent.PostJsonAsync("/v1/evaluate", ReadContact))
            {
            }
        }

        var first = earlier.GetProperty("tree_size").GetInt64();
        var proof = await GetAsync($"/admin/v1/tenants/demo/audit/proof/consistency?first={first}");
        var keys = await _evidence.JwksAsync();

        Assert.True(AuditCheckpoint.TryVerify(earlier.GetProperty("checkpoint").GetString(), keys, out var old, out _));
        Assert.True(AuditCheckpoint.TryVerify(proof.GetProperty("second").GetProperty("checkpoint").GetString(), keys, out var now, out _));
        Assert.True(now!.TreeSize >= old!.TreeSize + 3);
        Assert.True(MerkleProof.VerifyConsistency(old.TreeSize, now.TreeSize, Convert.FromHexString(old.RootHash), Convert.FromHexString(now.RootHash),
            [.. proof.GetProperty("path").EnumerateArray().Select(static p => Convert.FromHexString(p.GetString()!))]));
    }

    [Fact]
    public async Task Witness_CheckpointsArePushed_AndVerifyWithTheJwks()
    {
        using (await Gw.Agent.PostJsonAsync("/v1/evaluate", ReadContact))
        {
        }

        await Eventually.HoldsAsync(() => !_evidence.Received.IsEmpty, TimeSpan.FromSeconds(20), "no checkpoint was pushed within 20 s");

        var pushed = Assert.IsType<JsonElement>(_evidence.Received.FirstOrDefault());
        Assert.Equal("gamut.checkpoint", pushed.GetProperty("type").GetString());
        Assert.True(AuditCheckpoint.TryVerify(pushed.GetProperty("checkpoint").GetString(), await _evidence.JwksAsync(), out var checkpoint, out var error), error);
        Assert.Equal("demo", checkpoint!.Tenant);
        Assert.True(checkpoint.TreeSize > 0);

        var exported = await GetAsync("/admin/v1/tenants/demo/audit/checkpoints");
        Assert.Contains(exported.GetProperty("checkpoints").EnumerateArray(), c => c.GetProperty("checkpoint").GetString() == pushed.GetProperty("checkpoint").GetString());
    }

    [Fact]
    public async Task Witness_RedirectsElsewhere_NotFollowedAndCountedAsFailed()
    {
        // A witness that answers 307 to another address (an internal one): the checkpoint is not posted there, and the push fails.
        var reachedElsewhere = 0;
        await using var elsewhere = await Infrastructure.KestrelUpstream.StartAsync(app => app.Map("/{**rest}", () =>
        {
            Interlocked.Increment(ref reachedElsewhere);
            return Results.Ok();
        }));
        await using var witness = await Infrastructure.KestrelUpstream.StartAsync(app =>
            app.MapPost("/witness", () => Results.Redirect(elsewhere.Origin + "/collect", permanent: false, preserveMethod: true)));
        await using var gateway = await GovernedGateway.StartAsync(configure: builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Evidence:WitnessUrl"] = witness.Origin + "/witness",
            ["Gateway:Evidence:CheckpointInterval"] = "00:00:01",
            ["Gateway:Evidence:WitnessMaxAttempts"] = "1",
        }));
        using var pushes = new MetricCollector<long>(gateway.Host.Services.GetRequiredService<IMeterFactory>(), AuditMetrics.MeterName, "gateway.evidence.witness_pushes");

        using (await gateway.Agent.PostJsonAsync("/v1/evaluate", ReadContact))
        {
        }

        await Eventually.HoldsAsync(() => pushes.GetMeasurementSnapshot().Count > 0, TimeSpan.FromSeconds(20), "no checkpoint push was counted within 20 s");
        var outcomes = pushes.GetMeasurementSnapshot().Select(static m => (string?)m.Tags["outcome"]).ToList();
        Assert.DoesNotContain("delivered", outcomes);
        Assert.Contains("dropped", outcomes);
        Assert.Equal(0, Volatile.Read(ref reachedElsewhere));
        Assert.Contains(witness.Received, static r => r.Body.Contains("gamut.checkpoint", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InclusionProof_UnknownRequest_Is404AndNoSeqNorRequestIs400()
    {
        using var admin = Gw.Admin();

        using var unknown = await admin.GetAsync("/admin/v1/tenants/demo/audit/proof/inclusion?request_id=nope");
        using var neither = await admin.GetAsync("/admin/v1/tenants/demo/audit/proof/inclusion");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("record_not_found", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, neither.StatusCode);
    }

    [Fact]
    public async Task Proofs_ReplicaTheTenantHasNoChainOf_Are404()
    {
        // A proof keeps what it reads of a chain's tree: never for a replica id a caller made up.
        using var admin = Gw.Admin();

        using var checkpoint = await admin.GetAsync("/admin/v1/tenants/demo/audit/checkpoint?replica=invented-1");
        using var consistency = await admin.GetAsync("/admin/v1/tenants/demo/audit/proof/consistency?replica=invented-2&first=1");
        using var inclusion = await admin.GetAsync("/admin/v1/tenants/demo/audit/proof/inclusion?replica=invented-3&seq=1");
        using var own = await admin.GetAsync("/admin/v1/tenants/demo/audit/checkpoint");

        Assert.All([checkpoint, consistency, inclusion], r => Assert.Equal(HttpStatusCode.NotFound, r.StatusCode));
        Assert.Contains("record_not_found", await checkpoint.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Fact]
    public async Task EvidenceManifest_Digest_IsSignedForTheTenantAndABadDigestIs400()
    {
        using var admin = Gw.Admin();
        var digest = new string('a', 64);

        using var signed = await admin.PostAsync("/admin/v1/tenants/demo/audit/evidence-manifest", new StringContent($$"""{"manifest_sha256":"{{digest}}"}""", Encoding.UTF8, "application/json"));
        using var bad = await admin.PostAsync("/admin/v1/tenants/demo/audit/evidence-manifest", new StringContent("""{"manifest_sha256":"ABC"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        using var body = JsonDocument.Parse(await signed.Content.ReadAsStringAsync());
        Assert.True(EvidenceManifestSignature.TryVerify(body.RootElement.GetProperty("signature").GetString(), await _evidence.JwksAsync(), out var claims, out var error), error);
        Assert.Equal(digest, claims!.ManifestSha256);
        Assert.Equal("demo", claims.Tenant);
        Assert.False(AuditCheckpoint.TryVerify(body.RootElement.GetProperty("signature").GetString(), await _evidence.JwksAsync(), out _, out var wrong));
        Assert.Equal(EvidenceErrors.WrongType, wrong);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("invalid_body", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Jwks_HoldsOnlyPublicMembers()
    {
        var text = await Gw.Host.Client.GetStringAsync("/.well-known/gamut-receipt-keys.json");

        using var jwks = JsonDocument.Parse(text);
        Assert.All(jwks.RootElement.GetProperty("keys").EnumerateArray(), static k => Assert.False(k.TryGetProperty("d", out _)));
    }

    private async Task<JsonElement> GetAsync(string path)
    {
        using var admin = Gw.Admin();
        using var response = await admin.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
