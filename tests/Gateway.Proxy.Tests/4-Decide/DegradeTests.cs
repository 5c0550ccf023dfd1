using System.Net;
using System.Text.Json;
using Gamut.Agent.Upstream;
using Gateway.Connectors.Signing;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Decide;

/// <summary>
/// Degrade runs the action in the catalog's reduced form. A copy of the example gives the openai
/// connector and crm.read_contact a pii class with no documented flow (a high gap on a low-impact
/// action → degrade), and adds crm.lookup, a read bound to POST with no declared form (read_only).
/// </summary>
public sealed class DegradeTests : IClassFixture<DegradeTests.Fixture>
{
    private readonly GovernedGateway _gw;

    public DegradeTests(Fixture fixture) => _gw = fixture.Gateway;

    [Fact]
    public async Task Model_RouteDegrade_ReachesTheUpstreamWithTheRouteModelAndCappedTokens()
    {
        var marker = Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/model",
            """{"connector":"openai","request":{"model":"gpt-4o","max_tokens":4000,"messages":[{"role":"user","content":"M"}]}}""".Replace("M", marker, StringComparison.Ordinal));

        var json = await DecisionJson.DecisionAsync(response, "degrade");
        Assert.True(json.GetProperty("invoked").GetBoolean());
        Assert.Equal("route", json.GetProperty("explanation").GetProperty("degrade_mode").GetString());
        Assert.Equal("fail", DecisionJson.Outcome(json, "data_movement"));
        var sent = UpstreamModelRequest(marker);
        Assert.Equal("gpt-4o-mini", sent.Body.GetProperty("model").GetString());
        Assert.Equal(256, sent.Body.GetProperty("max_tokens").GetInt32());
        var token = _gw.Verifier().Verify(sent.Request.Headers[SignatureHeaders.DecisionToken], "demo", "openai");
        Assert.Equal(DecisionTokenFailure.None, token.Failure);
        Assert.Equal("degrade", token.Payload!.Decision);
        Assert.Equal(json.GetProperty("decision_token").GetString(), sent.Request.Headers[SignatureHeaders.DecisionToken]);
    }

    [Fact]
    public async Task Providers_RouteDegrade_RewritesTheModelAndAddsTheTokenCap()
    {
        var marker = Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions",
            """{"model":"gpt-4o","messages":[{"role":"user","content":"M"}]}""".Replace("M", marker, StringComparison.Ordinal)));

        var json = await DecisionJson.ReadAsync(response, HttpStatusCode.OK);
        Assert.Equal("gpt-4o-mini", json.GetProperty("model").GetString());
        var sent = UpstreamModelRequest(marker);
        Assert.Equal("gpt-4o-mini", sent.Body.GetProperty("model").GetString());
        // The request had no ceiling: the route's cap is added (chat completions: max_completion_tokens).
        var ceilings = sent.Body.EnumerateObject().Where(p => p.Name is "max_tokens" or "max_completion_tokens").ToList();
        Assert.NotEmpty(ceilings);
        Assert.All(ceilings, p => Assert.Equal(256, p.Value.GetInt32()));
        Assert.Equal("degrade", _gw.Verifier().Verify(sent.Request.Headers[SignatureHeaders.DecisionToken], "demo", "openai").Payload!.Decision);
    }

    [Fact]
    public async Task Providers_RouteDegrade_CapsAHigherTokenCeiling()
    {
        var marker = Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions",
            """{"model":"gpt-4o","max_tokens":9000,"messages":[{"role":"user","content":"M"}]}""".Replace("M", marker, StringComparison.Ordinal)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = UpstreamModelRequest(marker);
        Assert.Equal("gpt-4o-mini", sent.Body.GetProperty("model").GetString());
        Assert.Equal(256, sent.Body.GetProperty("max_tokens").GetInt32());
    }

    [Theory]
    [InlineData("\uFEFF{\"model\":\"gpt-4o\",\"max_tokens\":9000,\"messages\":[{\"role\":\"user\",\"content\":\"M\"}]}", "malformed_body")]
    [InlineData("{\"model\":\"gpt-4o\",\"max_tokens\":9000,\"messages\":[{\"role\":\"user\",\"content\":\"M\"}],\"t\":NaN}", "malformed_body")]
    public async Task Providers_RouteDegradeOnABodyItCannotRewrite_RefusedNeverSentUnrouted(string body, string code)
    {
        var marker = Guid.NewGuid().ToString("N");
        var before = _gw.Upstream.Received.Count;
        using var request = _gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions", body.Replace("M", marker, StringComparison.Ordinal));
        request.Content!.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");

        using var response = await _gw.Agent.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(before, _gw.Upstream.Received.Count);
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden, $"{(int)response.StatusCode} {text}");
        Assert.Contains(code, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Providers_ReadOnlyDegrade_RefusesAWriteVerb()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/crm.read_contact/contacts/" + id, """{"name":"x"}"""));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "degrade_refused");
        Assert.Equal("degrade", problem.GetProperty("decision").GetString());
        Assert.Empty(_gw.Upstream.To("/crm/contacts/" + id));
    }

    [Fact]
    public async Task Providers_ReadOnlyDegrade_LetsAReadThrough()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/" + id));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_gw.Upstream.To("/crm/contacts/" + id));
        Assert.Equal("degrade", _gw.Verifier().Verify(received.Headers[SignatureHeaders.DecisionToken], "demo", "crm.read_contact").Payload!.Decision);
    }

    [Fact]
    public async Task InvokeTool_ReadOnlyDegrade_RefusesAPostBinding()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"crm.lookup","args":{"id":"ID"}}""".Replace("ID", id, StringComparison.Ordinal));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "degrade_refused");
        Assert.Equal("degrade", problem.GetProperty("decision").GetString());
        Assert.False(problem.GetProperty("invoked").GetBoolean());
        Assert.Empty(_gw.Upstream.To("/crm/contacts/" + id));
    }

    [Fact]
    public async Task InvokeTool_RedactDegrade_ReturnsTheResultRedacted()
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"tickets.search","args":{"q":"login"}}""");

        var json = await DecisionJson.DecisionAsync(response, "degrade");
        var ticket = json.GetProperty("result").GetProperty("tickets")[0];
        Assert.Equal("[REDACTED:email]", ticket.GetProperty("email").GetString());
        Assert.Equal("[REDACTED:card_number]", ticket.GetProperty("card").GetString());
        Assert.Equal(TestUpstream.OrderNumber, ticket.GetProperty("order").GetString());
    }

    private (ReceivedRequest Request, JsonElement Body) UpstreamModelRequest(string marker)
    {
        var request = Assert.Single(_gw.Upstream.To("/v1/chat/completions"), r => r.Body.Contains(marker, StringComparison.Ordinal));
        return (request, JsonDocument.Parse(request.Body).RootElement.Clone());
    }

    public sealed class Fixture : IAsyncLifetime
    {
        private const string Lookup = """
              - name: crm.lookup
                kind: http
                action_type: read
                target_system: crm
                data_classes: [pii]
                upstream: http://127.0.0.1:9110/crm
                credential: vault:crm-token
                http: { method: POST, path: "/contacts/{id}", args: body }

              - name: crm.update_contact

            """;

        public GovernedGateway Gateway { get; private set; } = null!;

        public async Task InitializeAsync() => Gateway = await GovernedGateway.StartAsync(Rewrite);

        public async Task DisposeAsync() => await Gateway.DisposeAsync();

        private static string Rewrite(string text)
        {
            var changed = text
                .Replace("target_system: openai\n", "target_system: openai\n    data_classes: [pii]\n", StringComparison.Ordinal)
                .Replace("target_system: crm\n    data_classes: [internal]", "target_system: crm\n    data_classes: [pii]", StringComparison.Ordinal)
                .Replace("  - name: crm.update_contact\n", Lookup.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal)
                .Replace("      - { tool: crm.update_contact }\n", "      - { tool: crm.update_contact }\n      - { tool: crm.lookup }\n", StringComparison.Ordinal);
            Assert.Contains("name: crm.lookup", changed, StringComparison.Ordinal);
            Assert.Contains("{ tool: crm.lookup }", changed, StringComparison.Ordinal);
            return changed;
        }
    }
}
