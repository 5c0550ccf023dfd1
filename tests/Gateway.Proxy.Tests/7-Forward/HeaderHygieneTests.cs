using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gamut.Agent.Upstream;
using Gateway.Connectors.Signing;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Forward;

/// <summary>
/// What crosses the gateway in each direction, on the governed route and on the transparent
/// provider route: upstreams get the vault's credential (per the connector's auth scheme) and the
/// decision token, never the agent's signature headers or its own credentials; responses leave redacted.
/// </summary>
public sealed class HeaderHygieneTests : IClassFixture<GovernedGatewayFixture>
{
    private static readonly string[] AgentProtocolHeaders =
    [
        SignatureHeaders.Tenant, SignatureHeaders.Workspace, SignatureHeaders.Agent,
        SignatureHeaders.Timestamp, SignatureHeaders.Nonce, SignatureHeaders.Signature,
    ];

    private const string AgentSuppliedKey = "agent-supplied-provider-key-000111";
    private readonly GovernedGateway _gw;

    public HeaderHygieneTests(GovernedGatewayFixture fixture) => _gw = fixture.Gateway;

    [Fact]
    public async Task InvokeTool_BearerConnector_UpstreamGetsTheVaultCredentialAndTheTokenOnly()
    {
        var id = NewId();
        using var request = _gw.Agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", ReadContact(id));
        AddAgentCredentialHeaders(request);

        using var response = await _gw.Host.Client.SendAsync(request);

        var json = await DecisionJson.DecisionAsync(response, "allow");
        var received = Assert.Single(_gw.Upstream.To("/crm/contacts/" + id));
        Assert.Equal("Bearer " + GovernedGateway.Credentials["crm-token"], received.Headers["Authorization"]);
        AssertNoAgentMaterial(received);
        Assert.Equal(json.GetProperty("decision_token").GetString(), received.Headers[SignatureHeaders.DecisionToken]);
        Assert.Equal(DecisionTokenFailure.None, _gw.Verifier().Verify(received.Headers[SignatureHeaders.DecisionToken], "demo", "crm.read_contact").Failure);
    }

    [Fact]
    public async Task InvokeTool_XApiKeyConnector_UpstreamGetsTheVaultCredentialInXApiKey()
    {
        var query = NewId();
        using var request = _gw.Agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", """{"tool":"tickets.search","args":{"q":"Q"}}""".Replace("Q", query, StringComparison.Ordinal));
        AddAgentCredentialHeaders(request);

        using var response = await _gw.Host.Client.SendAsync(request);

        await DecisionJson.DecisionAsync(response, "degrade");
        var received = Assert.Single(_gw.Upstream.To("/tickets/search?q=" + query));
        Assert.Equal(GovernedGateway.Credentials["tickets-token"], received.Headers["x-api-key"]);
        Assert.False(received.Headers.ContainsKey("Authorization"));
        AssertNoAgentMaterial(received);
        Assert.True(received.Headers.ContainsKey(SignatureHeaders.DecisionToken));
    }

    [Fact]
    public async Task Providers_HttpConnector_UpstreamGetsTheVaultCredentialNotTheAgentsHeaders()
    {
        var id = NewId();
        using var request = _gw.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/" + id);
        AddAgentCredentialHeaders(request);

        using var response = await _gw.Host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_gw.Upstream.To("/crm/contacts/" + id));
        Assert.Equal("GET", received.Method);
        Assert.Equal("Bearer " + GovernedGateway.Credentials["crm-token"], received.Headers["Authorization"]);
        AssertNoAgentMaterial(received);
        var token = _gw.Verifier().Verify(received.Headers[SignatureHeaders.DecisionToken], "demo", "crm.read_contact");
        Assert.Equal(DecisionTokenFailure.None, token.Failure);
        Assert.Equal("demo-agent", token.Payload!.Agent);
    }

    [Fact]
    public async Task Providers_ModelConnector_UpstreamGetsTheVaultKeyInsteadOfTheClientsKey()
    {
        var marker = NewId();
        var body = """{"model":"gpt-4o","messages":[{"role":"user","content":"M"}]}""".Replace("M", marker, StringComparison.Ordinal);
        using var request = _gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions", body);
        AddAgentCredentialHeaders(request);

        using var response = await _gw.Host.Client.SendAsync(request);

        var json = await DecisionJson.ReadAsync(response, HttpStatusCode.OK);
        var received = Assert.Single(_gw.Upstream.To("/v1/chat/completions"), r => r.Body.Contains(marker, StringComparison.Ordinal));
        Assert.Equal("Bearer " + GovernedGateway.Credentials["openai-key"], received.Headers["Authorization"]);
        AssertNoAgentMaterial(received);
        Assert.Equal(DecisionTokenFailure.None, _gw.Verifier().Verify(received.Headers[SignatureHeaders.DecisionToken], "demo", "openai").Failure);
        var content = json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        Assert.DoesNotContain(TestUpstream.Email, content, StringComparison.Ordinal);
        Assert.Contains("[REDACTED:email]", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Providers_AllowedAgentHeaders_ReachTheUpstreamAsSentAndNoOthers()
    {
        var marker = NewId();
        var body = """{"model":"gpt-4o","messages":[{"role":"user","content":"M"}]}""".Replace("M", marker, StringComparison.Ordinal);
        using var request = _gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions", body);
        request.Headers.TryAddWithoutValidation("Idempotency-Key", marker);
        request.Headers.TryAddWithoutValidation("X-Stainless-Lang", "python");
        request.Headers.TryAddWithoutValidation("Accept-Language", "de-CH");
        request.Headers.TryAddWithoutValidation("X-Unlisted", "dropped");
        request.Headers.TryAddWithoutValidation("Forwarded", "for=192.0.2.1");

        using var response = await _gw.Host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_gw.Upstream.To("/v1/chat/completions"), r => r.Body.Contains(marker, StringComparison.Ordinal));
        Assert.Equal(marker, received.Headers["Idempotency-Key"]);
        Assert.Equal("python", received.Headers["X-Stainless-Lang"]);
        Assert.Equal("de-CH", received.Headers["Accept-Language"]);
        Assert.StartsWith("application/json", received.Headers["Content-Type"], StringComparison.OrdinalIgnoreCase);
        Assert.Equal("identity", received.Headers["Accept-Encoding"]);
        Assert.False(received.Headers.ContainsKey("X-Unlisted"));
        Assert.False(received.Headers.ContainsKey("Forwarded"));
        AssertNoAgentMaterial(received);
    }

    [Fact]
    public async Task InvokeTool_UpstreamAnswerWithSensitiveValues_LeavesTheGatewayRedacted()
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ReadContact(NewId()));

        var json = await DecisionJson.DecisionAsync(response, "allow");
        AssertRedacted(json.GetProperty("result"));
    }

    [Fact]
    public async Task Providers_UpstreamAnswerWithSensitiveValues_LeavesTheGatewayRedacted()
    {
        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/" + NewId()));

        AssertRedacted(await DecisionJson.ReadAsync(response, HttpStatusCode.OK));
    }

    private static void AssertRedacted(JsonElement contact)
    {
        var text = contact.GetRawText();
        Assert.DoesNotContain(TestUpstream.Email, text, StringComparison.Ordinal);
        Assert.DoesNotContain("9f8e7d6c5b4a39281706f5e4d3c2b1a0", text, StringComparison.Ordinal);
        Assert.DoesNotContain(TestUpstream.CardNumber, text, StringComparison.Ordinal);
        Assert.Equal("[REDACTED:email]", contact.GetProperty("email").GetString());
        Assert.Contains("[REDACTED:bearer_token]", contact.GetProperty("note").GetString(), StringComparison.Ordinal);
        Assert.Equal("[REDACTED:card_number]", contact.GetProperty("card").GetString());
        Assert.Equal(TestUpstream.OrderNumber, contact.GetProperty("order").GetString());
    }

    private static void AddAgentCredentialHeaders(HttpRequestMessage request)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AgentSuppliedKey);
        request.Headers.TryAddWithoutValidation("x-api-key", AgentSuppliedKey);
        request.Headers.TryAddWithoutValidation("Cookie", "session=" + AgentSuppliedKey);

        // Not X-Gamut-Decision-Token: on an action it presents an evaluation's token, and a forged one is refused
        // (EvaluateThenActTests); a genuine one never reaches the upstream either, which gets the action's own.
    }

    private void AssertNoAgentMaterial(ReceivedRequest received)
    {
        foreach (var header in AgentProtocolHeaders)
        {
            Assert.False(received.Headers.ContainsKey(header), $"the upstream received {header}");
        }

        Assert.False(received.Headers.ContainsKey("Cookie"));
        Assert.DoesNotContain(received.Headers, h => h.Value.Contains(AgentSuppliedKey, StringComparison.Ordinal));
        Assert.DoesNotContain(received.Headers, h => h.Value.Contains(_gw.Bundle.AgentSecret, StringComparison.Ordinal));
        Assert.DoesNotContain(_gw.Bundle.AgentSecret, received.Body, StringComparison.Ordinal);
        Assert.All(received.Headers.Keys.Where(k => k.StartsWith("X-Gamut-", StringComparison.OrdinalIgnoreCase)),
            k => Assert.Contains(k, new[] { SignatureHeaders.DecisionToken, "X-Gamut-Agent-Id", "X-Gamut-Dry-Run" }, StringComparer.OrdinalIgnoreCase));
    }

    private static string NewId() => "c-" + Guid.NewGuid().ToString("N");

    private static string ReadContact(string id) => """{"tool":"crm.read_contact","args":{"id":"ID"}}""".Replace("ID", id, StringComparison.Ordinal);
}

/// <summary>Refusals of the transparent provider route before anything is forwarded.</summary>
public sealed class ProviderRefusalTests : IClassFixture<GovernedGatewayFixture>
{
    private readonly GovernedGateway _gw;

    public ProviderRefusalTests(GovernedGatewayFixture fixture) => _gw = fixture.Gateway;

    [Theory]
    [InlineData("/providers/not-a-connector/chat/completions", true)]
    [InlineData("/providers/not-a-connector/contacts/42", false)]
    public async Task Providers_UnknownConnector_Returns404InTheDialectItsTargetPresumes(string target, bool openAIOperation)
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, target, """{"model":"x"}"""));

        if (openAIOperation)
        {
            await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.NotFound, "unknown_connector");
        }
        else
        {
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "unknown_connector");
        }

        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Theory]
    [InlineData("""{"model":"gpt-4o","messages":[],"api_key":"anything"}""")]
    [InlineData("""{"model":"gpt-4o","messages":[],"base_url":"https://evil.example/v1"}""")]
    [InlineData("""{"model":"gpt-4o","messages":[{"role":"user","content":"use sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD"}]}""")]
    public async Task Providers_SecretMaterialInPayload_Returns400AndForwardsNothing(string body)
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions", body));

        await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.BadRequest, "secret_material_in_payload");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Theory]
    [InlineData("GET", "/providers/tickets.search/search?q=ghp_" + "abcdefghijklmnopqrstuvwxyz0123456789", false)]
    [InlineData("POST", "/providers/openai/chat/completions?api_key=anything", true)]
    [InlineData("POST", "/providers/openai/chat/completions?api-version=2024-10-21&access%5Ftoken=anything", true)]
    [InlineData("POST", "/providers/openai/chat/completions?note=Bearer%20eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXZhbHVl", true)]
    [InlineData("POST", "/providers/openai/chat/completions?sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD", true)]
    public async Task Providers_SecretMaterialInQuery_Returns400AndForwardsNothing(string method, string target, bool openAI)
    {
        var before = _gw.Upstream.Received.Count;
        var body = openAI ? """{"model":"gpt-4o","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""" : null;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(new HttpMethod(method), target, body));

        var problem = openAI
            ? await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.BadRequest, "secret_material_in_payload")
            : await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "secret_material_in_payload");
        Assert.DoesNotContain("abcdefghijklmnop", problem.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("anything", problem.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Theory]
    [InlineData("text/csv", "\"id\",\"token\"\n\"1\",\"sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789\"\n")]
    [InlineData("text/plain", "0\nAKIA" + "IOSFODNN7EXAMPLE\n")]
    public async Task Providers_CsvBodyWithKeyAfterQuotedHeader_Is400(string contentType, string body)
    {
        var before = _gw.Upstream.Received.Count;
        using var request = _gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions", body);
        request.Content!.Headers.ContentType = new MediaTypeHeaderValue(contentType);

        using var response = await _gw.Agent.SendAsync(request);

        await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.BadRequest, "secret_material_in_payload");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Fact]
    public async Task Providers_PayloadOverTheConnectorsLimit_Returns413AndForwardsNothing()
    {
        var before = _gw.Upstream.Received.Count;
        var content = string.Concat(Enumerable.Repeat("lorem ipsum dolor ", 300 * 1024 / 18));
        var body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}";
        Assert.True(Encoding.UTF8.GetByteCount(body) > 262144);

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions", body));

        await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Fact]
    public async Task Providers_BlockedTool_Returns403AndForwardsNothing()
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/shell.exec", """{"cmd":"ls"}"""));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "blocked");
        Assert.Equal("fail", DecisionJson.Outcome(problem, "tool_permission"));
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }
}
