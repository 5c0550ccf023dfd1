using System.Net;
using System.Text.Json;
using Gateway.Policy.Canonical;
using Gateway.Policy.Evidence;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Proxy.Tests.Record;

namespace Gateway.Proxy.Tests.Respond;

/// <summary>
/// Through the running gateway: a decision answer to a request that asked for <c>Prefer: return=minimal</c> (RFC 7240)
/// names its explanation by the audit record's <c>explanation_digest</c> and carries its receipt in the header only,
/// saying so in <c>Preference-Applied</c>; every other request, and every refusal, gets the full answer.
/// </summary>
public sealed class CompactAnswerTests : IClassFixture<EvidenceGateway>
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"42"}}""";

    private readonly EvidenceGateway _evidence;

    public CompactAnswerTests(EvidenceGateway evidence) => _evidence = evidence;

    private GovernedGateway Gw => _evidence.Gateway;

    [Fact]
    public async Task Evaluate_PreferMinimal_AnswersTheRecordsExplanationDigestAndTheReceiptInTheHeaderOnly()
    {
        using var full = await SendAsync("/v1/evaluate", ReadContact, prefer: null);
        var fullBody = await DecisionJson.ReadAsync(full, HttpStatusCode.OK);
        using var minimal = await SendAsync("/v1/evaluate", ReadContact, "return=minimal");
        var body = await DecisionJson.ReadAsync(minimal, HttpStatusCode.OK);

        Assert.Equal("return=minimal", Assert.Single(minimal.Headers.GetValues("Preference-Applied")));
        Assert.False(body.TryGetProperty("explanation", out _));
        Assert.False(body.TryGetProperty("receipt", out _));
        Assert.Equal(fullBody.GetProperty("decision").GetString(), body.GetProperty("decision").GetString());
        Assert.False(body.GetProperty("invoked").GetBoolean());
        Assert.True(body.TryGetProperty("decision_token", out _));

        // The digest is the full answer's explanation as the journal digests it, and the very digest its record holds.
        var digest = body.GetProperty("explanation_digest").GetString();
        Assert.Equal(StoredDigest(fullBody.GetProperty("explanation")), digest);
        var receipt = Assert.Single(minimal.Headers.GetValues("Gamut-Receipt"));
        Assert.True(DecisionReceipt.TryVerify(receipt, await _evidence.JwksAsync(), out var claims, out var error), error);
        Assert.Equal(Assert.Single(minimal.Headers.GetValues("X-Request-Id")), claims!.RequestId);
        Assert.Equal(digest, await RecordedDigestAsync(claims.RequestId));
    }

    [Fact]
    public async Task InvokeTool_PreferMinimalAmongOtherPreferences_KeepsTheResultAndTheDecisionMembers()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");
        var invoke = """{"tool":"crm.read_contact","args":{"id":"ID"}}""".Replace("ID", id, StringComparison.Ordinal);
        using var full = await SendAsync("/v1/actions/invoke-tool", invoke, prefer: null);
        var fullBody = await DecisionJson.DecisionAsync(full, "allow");
        using var minimal = await SendAsync("/v1/actions/invoke-tool", invoke, "respond-async, wait=10, RETURN = \"minimal\"; foo=bar");
        var body = await DecisionJson.DecisionAsync(minimal, "allow");

        Assert.Equal("return=minimal", Assert.Single(minimal.Headers.GetValues("Preference-Applied")));
        Assert.True(body.GetProperty("invoked").GetBoolean());
        Assert.Equal(id, body.GetProperty("result").GetProperty("id").GetString());
        Assert.Equal(fullBody.GetProperty("upstream_status").GetInt32(), body.GetProperty("upstream_status").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("decision_token").GetString()));
        Assert.False(body.TryGetProperty("explanation", out _));
        Assert.False(body.TryGetProperty("receipt", out _));
        Assert.Equal(StoredDigest(fullBody.GetProperty("explanation")), body.GetProperty("explanation_digest").GetString());
        Assert.True(DecisionReceipt.TryVerify(Assert.Single(minimal.Headers.GetValues("Gamut-Receipt")), await _evidence.JwksAsync(), out _, out var error), error);

        // The connector answered as always: Prefer is not a header that goes upstream.
        var received = Gw.Upstream.To("/crm/contacts/" + id);
        Assert.Equal(2, received.Count);
        Assert.All(received, static r => Assert.False(r.Headers.ContainsKey("Prefer")));

        // The same members in the same order, less the two the compact answer leaves out and the one it adds.
        Assert.Equal(
            fullBody.EnumerateObject().Select(static m => m.Name).Where(static n => n is not ("explanation" or "receipt")),
            body.EnumerateObject().Select(static m => m.Name).Where(static n => n != "explanation_digest"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("return=representation")]
    [InlineData("return=representation, return=minimal")]
    [InlineData("return=minimal junk")]
    [InlineData("return=\"minimal")]
    [InlineData("return=")]
    [InlineData("handling=lenient")]
    public async Task Evaluate_NoMinimalPreference_FullAnswerWithoutPreferenceApplied(string? prefer)
    {
        using var response = await SendAsync("/v1/evaluate", ReadContact, prefer);
        var body = await DecisionJson.ReadAsync(response, HttpStatusCode.OK);

        Assert.False(response.Headers.Contains("Preference-Applied"));
        Assert.Equal(JsonValueKind.Object, body.GetProperty("explanation").ValueKind);
        Assert.False(body.TryGetProperty("explanation_digest", out _));
        Assert.Equal(Assert.Single(response.Headers.GetValues("Gamut-Receipt")), body.GetProperty("receipt").GetString());
    }

    [Fact]
    public async Task InvokeTool_BlockedUnderPreferMinimal_RefusalKeepsItsExplanationAndReceipt()
    {
        using var response = await SendAsync("/v1/actions/invoke-tool", """{"tool":"mail.send","args":{"to":"x@gmail.com","body":"hi"}}""", "return=minimal");
        var problem = await DecisionJson.ReadAsync(response, HttpStatusCode.Forbidden);

        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(response.Headers.Contains("Preference-Applied"));
        Assert.Equal("block", problem.GetProperty("decision").GetString());
        Assert.NotEmpty(problem.GetProperty("explanation").GetProperty("decision_path").EnumerateArray());
        Assert.False(problem.TryGetProperty("explanation_digest", out _));
        Assert.Equal(Assert.Single(response.Headers.GetValues("Gamut-Receipt")), problem.GetProperty("receipt").GetString());
    }

    private async Task<HttpResponseMessage> SendAsync(string target, string json, string? prefer)
    {
        var request = Gw.Agent.Create(HttpMethod.Post, target, json);
        if (prefer is not null)
        {
            Assert.True(request.Headers.TryAddWithoutValidation("Prefer", prefer));
        }

        return await Gw.Agent.SendAsync(request);
    }

    // The journal's digest of an explanation: canonical JSON less the top-level intent_digest, SHA-256, lowercase hex.
    private static string StoredDigest(JsonElement explanation) =>
        CanonicalJson.Sha256Hex(explanation, static (writer, e) => writer.WriteObjectWithout(e, "intent_digest"u8));

    // The explanation_digest of the audit record of the request, read back through the inclusion proof.
    private async Task<string?> RecordedDigestAsync(string requestId)
    {
        using var admin = Gw.Admin();
        using var response = await admin.GetAsync($"/admin/v1/tenants/demo/audit/proof/inclusion?request_id={requestId}");
        var proof = await DecisionJson.ReadAsync(response, HttpStatusCode.OK);
        using var record = JsonDocument.Parse(proof.GetProperty("record").GetString()!);
        return record.RootElement.GetProperty("explanation_digest").GetString();
    }
}
