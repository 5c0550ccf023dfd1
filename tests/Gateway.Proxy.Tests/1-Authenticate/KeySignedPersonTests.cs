using System.Net;
using System.Text.Json;
using Gateway.Connectors.Signing;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// A person's token on a request signed with the agent's key (RFC 9421): bound when the signature covers
/// <c>x-gamut-person</c>, then verified against the tenant's OpenID provider (a real one on loopback) exactly as on a v1
/// request; sent without being covered it is <c>person_token_unbound</c>, swapped after signing it fails the signature,
/// covered but absent it is a missing header. Nothing refused reaches an upstream.
/// </summary>
public sealed class KeySignedPersonTests
{
    private const string Evaluate = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";

    [Theory]
    [InlineData("ed25519-demo")]
    [InlineData("p256-demo")]
    public async Task Evaluate_KeySignedWithThePersonCovered_IsAnsweredAndTheDecisionRecordAndChainNameThePerson(string keyName)
    {
        var key = keyName == VectorKeyPair.Ed25519.Name ? VectorKeyPair.Ed25519 : VectorKeyPair.P256;
        await using var gw = await PersonGateway.StartAsync(MessageSignatureTests.WithKey(key));
        var agent = new MessageSigningClient(gw.Gateway.Host.Client, key);
        var token = gw.Provider.Issue("erin@example.com", ["staff"]);

        using var response = await agent.PostAsPersonAsync("/v1/evaluate", Evaluate, token);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var body = JsonDocument.Parse(text);
        var person = body.RootElement.GetProperty("explanation").GetProperty("person");
        Assert.Equal("erin@example.com", person.GetProperty("subject").GetString());
        Assert.Equal(["staff"], person.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));
        var record = await PersonTokenTests.RecordAsync(gw, response);
        Assert.Equal("erin@example.com", record.GetProperty("person").GetString());
        Assert.Equal(gw.Provider.Issuer, record.GetProperty("person_issuer").GetString());
        Assert.Equal("current", record.GetProperty("secret_slot").GetString());
        Assert.Equal(["person:erin@example.com", "agent:demo-agent"],
            record.GetProperty("actor_chain").EnumerateArray().Select(l => l.GetProperty("kind").GetString() + ":" + l.GetProperty("id").GetString()));
        Assert.DoesNotContain(token, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_PersonHeaderNotCoveredByTheSignature_IsUnboundAndNothingIsForwarded()
    {
        await using var gw = await PersonGateway.StartAsync(MessageSignatureTests.WithKey(VectorKeyPair.Ed25519));
        var agent = new MessageSigningClient(gw.Gateway.Host.Client, VectorKeyPair.Ed25519);
        using var request = agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", Evaluate);
        request.Headers.TryAddWithoutValidation(SignatureHeaders.Person, gw.Provider.Issue("erin@example.com"));

        using var response = await agent.SendAsync(request);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "person_token_unbound");
        Assert.Contains("x-gamut-person", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(gw.Gateway.Upstream.To("/crm"));
    }

    [Fact]
    public async Task InvokeTool_PersonTokenSwappedAfterSigning_IsSignatureMismatchAndNothingIsForwarded()
    {
        await using var gw = await PersonGateway.StartAsync(MessageSignatureTests.WithKey(VectorKeyPair.Ed25519));
        var agent = new MessageSigningClient(gw.Gateway.Host.Client, VectorKeyPair.Ed25519);
        using var request = agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", Evaluate, personToken: gw.Provider.Issue("erin@example.com"));
        request.Headers.Remove(SignatureHeaders.Person);
        request.Headers.TryAddWithoutValidation(SignatureHeaders.Person, gw.Provider.Issue("root@example.com", ["admins"]));

        using var response = await agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "signature_mismatch");
        Assert.Empty(gw.Gateway.Upstream.To("/crm"));
    }

    [Fact]
    public async Task Evaluate_SignatureCoveringThePersonWithoutTheHeader_IsMissingHeader()
    {
        await using var gw = await PersonGateway.StartAsync(MessageSignatureTests.WithKey(VectorKeyPair.Ed25519));
        var agent = new MessageSigningClient(gw.Gateway.Host.Client, VectorKeyPair.Ed25519);
        using var request = agent.Create(HttpMethod.Post, "/v1/evaluate", Evaluate, personToken: gw.Provider.Issue("erin@example.com"));
        request.Headers.Remove(SignatureHeaders.Person);

        using var response = await agent.SendAsync(request);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "missing_header");
        Assert.Contains("x-gamut-person", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_KeySignedWithAnExpiredPersonToken_Is401RecordedUnderTheAgentAndNothingIsForwarded()
    {
        await using var gw = await PersonGateway.StartAsync(MessageSignatureTests.WithKey(VectorKeyPair.Ed25519));
        var agent = new MessageSigningClient(gw.Gateway.Host.Client, VectorKeyPair.Ed25519);
        var expired = gw.Provider.Issue("erin@example.com", notBefore: DateTime.UtcNow.AddMinutes(-20), lifetime: TimeSpan.FromMinutes(10));

        using var response = await agent.PostAsPersonAsync("/v1/actions/invoke-tool", Evaluate, expired);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "person_token_expired");
        Assert.Empty(gw.Gateway.Upstream.To("/crm"));
        var record = await PersonTokenTests.RecordAsync(gw, response);
        Assert.Equal("refused:person_token_expired", record.GetProperty("decision").GetString());
        Assert.Equal("demo-agent", record.GetProperty("agent").GetString());
        Assert.Equal("current", record.GetProperty("secret_slot").GetString());
    }

    [Fact]
    public async Task Evaluate_KeySignedRuleOnPersonGroups_BlocksThatGroupOnly()
    {
        await using var gw = await PersonGateway.StartAsync(text => MessageSignatureTests.WithKey(VectorKeyPair.Ed25519)(text).Replace("rules:\n", """
            rules:
              - id: contractors-no-crm
                match: { tools: [crm.read_contact], person_groups: [contractors] }
                effect: block
                reason: contractors_may_not_read_crm

            """, StringComparison.Ordinal));
        var agent = new MessageSigningClient(gw.Gateway.Host.Client, VectorKeyPair.Ed25519);

        using var contractor = await agent.PostAsPersonAsync("/v1/evaluate", Evaluate, gw.Provider.Issue("carl@example.com", ["contractors"]));
        using var employee = await agent.PostAsPersonAsync("/v1/evaluate", Evaluate, gw.Provider.Issue("erin@example.com", ["staff"]));
        using var nobody = await agent.PostJsonAsync("/v1/evaluate", Evaluate);

        Assert.Equal("block", await PersonTokenTests.DecisionAsync(contractor));
        Assert.Equal("allow", await PersonTokenTests.DecisionAsync(employee));
        Assert.Equal("allow", await PersonTokenTests.DecisionAsync(nobody));
    }
}
