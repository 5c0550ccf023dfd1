using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Describe;

/// <summary>
/// The transparent route decides on the real operation and forwards nothing it cannot read strictly:
/// encoded traversal, dot segments and a forged Host never reach another connector or a write;
/// write paths through read connectors are decided as the write they are (or refused); only
/// allowlisted headers cross; compressed answers arrive decoded and redacted; the response size limit
/// holds; every spelling of the agent prefixes is authenticated.
/// </summary>
public sealed class ProviderRouteSecurityTests : IClassFixture<GovernedGatewayFixture>
{
    private readonly GovernedGateway _gw;

    public ProviderRouteSecurityTests(GovernedGatewayFixture fixture) => _gw = fixture.Gateway;

    [Theory]
    [InlineData("/providers/crm.read_contact/%5c..%5cpayments/refunds")]
    [InlineData("/providers/crm.read_contact/%5C..%5Cpayments%5Crefunds")]
    [InlineData("/providers/crm.read_contact/%252e%252e/%252e%252e/payments/refunds")]
    [InlineData("/providers/crm.read_contact/..%2f..%2fpayments/refunds")]
    [InlineData("/providers/crm.read_contact/contacts/%2e%2e/%2e%2e/payments/refunds")]
    [InlineData("/providers/crm.read_contact/contacts/../../payments/refunds")]
    [InlineData("/providers/crm.read_contact/contacts/..;/..;/payments/refunds")]
    [InlineData("/providers/crm.read_contact//payments/refunds")]
    [InlineData("/providers/crm.read_contact/%c0%ae%c0%ae/payments/refunds")]
    [InlineData("/providers/crm.read_contact/contacts\\..\\..\\payments\\refunds")]
    [InlineData("/providers/crm.read_contact/contacts/42#/refunds")]
    [InlineData("/providers/crm.read_contact/contacts/42#")]
    public async Task Providers_EncodedTraversalWithForgedHost_IsRefusedAndNothingReachesAnUpstream(string rawTarget)
    {
        var before = _gw.Upstream.Received.Count;
        using var request = _gw.Rogue.CreateRaw(HttpMethod.Post, rawTarget, """{"amount":2500000,"currency":"usd"}""");
        request.Headers.Host = "127.0.0.1:9130";

        using var response = await _gw.Host.Client.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "path_not_canonical");
        Assert.Equal(before, _gw.Upstream.Received.Count);
        Assert.Empty(_gw.Upstream.To("/payments"));
    }

    [Fact]
    public async Task Providers_EncodedNulInPath_IsRefusedAndNothingForwarded()
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Rogue.SendAsync(_gw.Rogue.CreateRaw(HttpMethod.Get, "/providers/crm.read_contact/contacts/a%00b"));

        // Kestrel itself rejects an encoded NUL; either way nothing is forwarded.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Fact]
    public async Task Providers_WritePathNoConnectorDeclares_IsRefusedAsNotMapped()
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Rogue.SendAsync(_gw.Rogue.Create(HttpMethod.Post, "/providers/crm.read_contact/refunds", """{"amount":2500000}"""));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "operation_not_mapped");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Fact]
    public async Task Providers_WriteVerbThroughAReadConnector_IsDecidedAsTheWriteToolItMapsTo()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");

        // The rogue agent may read contacts only: PATCH /contacts/{id} is crm.update_contact.
        using var response = await _gw.Rogue.SendAsync(_gw.Rogue.Create(HttpMethod.Patch, "/providers/crm.read_contact/contacts/" + id, """{"name":"x"}"""));

        // The rogue agent is under investigation: its blocks also open an incident.
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "blocked_incident_opened");
        Assert.Equal("fail", DecisionJson.Outcome(problem, "tool_permission"));
        Assert.Empty(_gw.Upstream.To("/crm/contacts/" + id));
    }

    [Theory]
    [InlineData("X-HTTP-Method-Override")]
    [InlineData("X-HTTP-Method")]
    [InlineData("X-Method-Override")]
    public async Task Providers_MethodOverrideHeader_IsRefused(string header)
    {
        var id = "c-" + Guid.NewGuid().ToString("N");
        using var request = _gw.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/" + id);
        request.Headers.TryAddWithoutValidation(header, "DELETE");

        using var response = await _gw.Agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "method_override_refused");
        Assert.Empty(_gw.Upstream.To("/crm/contacts/" + id));
    }

    [Fact]
    public async Task Providers_WebSocketUpgrade_IsRefusedAndNothingForwarded()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");
        using var request = _gw.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/" + id);
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new System.Net.Http.Headers.ProductHeaderValue("websocket"));
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Version", "13");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Key", Convert.ToBase64String(new byte[16]));

        using var response = await _gw.Agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "upgrade_refused");
        Assert.Empty(_gw.Upstream.To("/crm/contacts/" + id));
    }

    [Fact]
    public async Task Providers_WebSocketUpgrade_IsRecordedUnderTheConnector()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");
        using var request = _gw.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/" + id);
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new System.Net.Http.Headers.ProductHeaderValue("websocket"));
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Version", "13");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Key", Convert.ToBase64String(new byte[16]));

        using var response = await _gw.Agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "upgrade_refused");
        await AssertRecordedAsync(response, "crm.read_contact", "upgrade_refused");
    }

    [Fact]
    public async Task Providers_MethodOverrideHeader_IsRefusedAndRecordedUnderTheConnector()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");
        using var request = _gw.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/" + id);
        request.Headers.TryAddWithoutValidation("X-HTTP-Method-Override", "DELETE");

        using var response = await _gw.Agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "method_override_refused");
        await AssertRecordedAsync(response, "crm.read_contact", "method_override_refused");
    }

    [Fact]
    public async Task Providers_CompressedRequestBody_IsRefusedAndRecordedUnderTheConnector()
    {
        using var request = _gw.Agent.Create(HttpMethod.Post, "/providers/crm.read_contact/contacts", """{"name":"x"}""");
        request.Content!.Headers.ContentEncoding.Add("gzip");

        using var response = await _gw.Agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await AssertRecordedAsync(response, "crm.read_contact", "unsupported_media_type");
    }

    [Fact]
    public async Task Providers_ForwardingAndAgentAuthHeaders_AreNotForwardedAndHostIsTheDestinations()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");
        using var request = _gw.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/" + id);
        request.Headers.Host = "127.0.0.1:9130";
        string[] dropped = ["X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "Forwarded", "X-Original-URL", "X-Rewrite-URL",
            "X-Real-IP", "X-Auth-Token", "Private-Token", "x_api_key", "X_Auth_Token", "X-Custom-Secret"];
        foreach (var name in dropped)
        {
            request.Headers.TryAddWithoutValidation(name, "agent-value-" + name);
        }

        request.Headers.TryAddWithoutValidation("Accept-Language", "en");

        using var response = await _gw.Agent.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_gw.Upstream.To("/crm/contacts/" + id));
        Assert.Equal(new Uri(_gw.Upstream.Origin).Authority, received.Headers["Host"]);
        foreach (var name in dropped)
        {
            Assert.False(received.Headers.ContainsKey(name), $"the upstream received {name}");
        }

        Assert.DoesNotContain(received.Headers, h => h.Value.StartsWith("agent-value-", StringComparison.Ordinal));
        Assert.Equal("en", received.Headers["Accept-Language"]);
        Assert.Equal("identity", received.Headers["Accept-Encoding"]);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    public async Task Providers_CompressedUpstreamAnswer_ArrivesDecodedRedactedAndIntact(string encoding)
    {
        var id = encoding + "-" + Guid.NewGuid().ToString("N");
        using var request = _gw.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/" + id);
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip, br");

        using var response = await _gw.Agent.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(response.Content.Headers.ContentEncoding);
        var contact = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(id, contact.GetProperty("id").GetString());
        Assert.Equal("[REDACTED:email]", contact.GetProperty("email").GetString());
        Assert.Equal("[REDACTED:card_number]", contact.GetProperty("card").GetString());
        Assert.Equal(TestUpstream.OrderNumber, contact.GetProperty("order").GetString());
    }

    [Fact]
    public async Task Providers_HttpConnectorStreamSplittingAnAddressAndACardAcrossEvents_IsRedactedAsOneValue()
    {
        var id = "sse-split-" + Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/" + id));

        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = string.Concat(body.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l[6..]));
        Assert.Contains("[REDACTED:email]", text, StringComparison.Ordinal);
        Assert.Contains("[REDACTED:card_number]", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ada.lovelace", text, StringComparison.Ordinal);
        Assert.DoesNotContain("mple.com", text, StringComparison.Ordinal);
        Assert.DoesNotContain("4111", text, StringComparison.Ordinal);
        Assert.Contains("and done", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Providers_DeclaredResponseOverTheLimit_IsRefusedNotPassed()
    {
        var id = "big-len-" + Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/" + id));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway, "response_too_large");
    }

    [Fact]
    public async Task Providers_StreamedResponseOverTheLimit_NeverArrivesWhole()
    {
        var id = "big-" + Guid.NewGuid().ToString("N");

        var outcome = await ReadWholeAsync(_gw.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/" + id));

        Assert.True(outcome.Status == HttpStatusCode.BadGateway || outcome.Failed,
            $"a 2 MiB answer passed a 1 MiB limit: {outcome.Status}, {outcome.Length} bytes");
        Assert.True(outcome.Length <= 1024 * 1024 + 64 * 1024, $"{outcome.Length} bytes reached the client");
    }

    [Fact]
    public async Task InvokeTool_ResponseOverTheLimit_IsRefusedAsTooLarge()
    {
        var id = "big-" + Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{"id":"ID"}}""".Replace("ID", id, StringComparison.Ordinal));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway, "response_too_large");
    }

    [Theory]
    [InlineData("POST", "/V1/actions/invoke-tool")]
    [InlineData("POST", "/v1/Actions/Invoke-Tool")]
    [InlineData("POST", "/V1/EVALUATE")]
    [InlineData("GET", "/V1/approvals/ap-1")]
    [InlineData("POST", "/PROVIDERS/openai/chat/completions")]
    [InlineData("GET", "/Providers/crm.read_contact/contacts/c-1")]
    public async Task CaseVariantAgentPrefix_Unsigned_IsRefused401(string method, string target)
    {
        var before = _gw.Upstream.Received.Count;
        using var request = new HttpRequestMessage(new HttpMethod(method), target);
        if (method == "POST")
        {
            request.Content = new StringContent("""{"tool":"crm.read_contact","args":{"id":"c-1"}}""", System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await _gw.Host.Client.SendAsync(request);

        // An OpenAI API operation on the provider route is refused as an OpenAI error object (ProviderDialectTests).
        _ = target.EndsWith("/chat/completions", StringComparison.Ordinal)
            ? await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.Unauthorized, "missing_header")
            : await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "missing_header");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json")]
    [InlineData(null)]
    public async Task Providers_McpCallWithDuplicatedToolName_IsRefusedWhateverTheContentType(string? contentType)
    {
        var before = _gw.Upstream.Received.Count;
        const string Body = """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"search","name":"delete_document","arguments":{"id":"doc-1"}}}""";
        using var request = _gw.Agent.Create(HttpMethod.Post, "/providers/docs", Body);
        request.Content!.Headers.ContentType = contentType is null ? null : new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);

        using var response = await _gw.Agent.SendAsync(request);

        // A JSON-RPC error (invalid request) under the message's id, in HTTP 400.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(7, answer.RootElement.GetProperty("id").GetInt32());
        Assert.Equal(-32600, answer.RootElement.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("malformed_body", answer.RootElement.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Fact]
    public async Task Providers_UpstreamAnswers404_TheOutcomeRecordCarriesThe404TheClientReceived()
    {
        var id = "missing-" + Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/" + id));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        var records = await AuditRecordsAsync(requestId);
        var outcome = Assert.Single(records, r => r.TryGetProperty("invoked", out var invoked) && invoked.GetBoolean());
        Assert.Equal(404, outcome.GetProperty("status_code").GetInt32());
        Assert.Equal(404, outcome.GetProperty("upstream_status").GetInt32());
    }

    [Fact]
    public async Task Providers_ForwardedRequest_OutcomeRecordLeavesTheDigestsToItsDecisionRecord()
    {
        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/c-digests"));

        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        var records = await AuditRecordsAsync(requestId);
        Assert.Equal(2, records.Count);
        var decision = records[0];
        var outcome = records[1];
        Assert.False(decision.TryGetProperty("invoked", out var invoked) && invoked.GetBoolean());
        Assert.Equal(64, decision.GetProperty("explanation_digest").GetString()!.Length);
        Assert.Equal(64, decision.GetProperty("intent_digest").GetString()!.Length);
        Assert.True(decision.TryGetProperty("policy_digest", out _));
        Assert.True(outcome.GetProperty("invoked").GetBoolean());
        Assert.True(outcome.GetProperty("seq").GetInt64() > decision.GetProperty("seq").GetInt64());
        foreach (var repeated in new[] { "intent_digest", "policy_digest", "failing_controls", "explanation", "explanation_digest" })
        {
            Assert.False(outcome.TryGetProperty(repeated, out _), $"the outcome record repeats {repeated}: {outcome}");
        }

        Assert.Equal(decision.GetProperty("agent").GetString(), outcome.GetProperty("agent").GetString());
        Assert.Equal(decision.GetProperty("tool").GetString(), outcome.GetProperty("tool").GetString());
        Assert.Equal(decision.GetProperty("decision").GetString(), outcome.GetProperty("decision").GetString());
    }

    private Task<List<JsonElement>> AuditRecordsAsync(string requestId) => _gw.AuditRecordsAsync(requestId);

    /// <summary>Asserts the refusal's one audit record names <paramref name="tool"/> and <paramref name="code"/>.</summary>
    private async Task AssertRecordedAsync(HttpResponseMessage response, string tool, string code)
    {
        var record = Assert.Single(await AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id"))));
        Assert.Equal(tool, record.GetProperty("tool").GetString());
        Assert.Equal("refused:" + code, record.GetProperty("decision").GetString());
    }

    private async Task<(HttpStatusCode Status, long Length, bool Failed)> ReadWholeAsync(HttpRequestMessage request)
    {
        using (request)
        {
            HttpResponseMessage? response = null;
            long length = 0;
            try
            {
                response = await _gw.Host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                await using var body = await response.Content.ReadAsStreamAsync();
                var buffer = new byte[64 * 1024];
                int read;
                while ((read = await body.ReadAsync(buffer)) > 0)
                {
                    length += read;
                }

                return (response.StatusCode, length, false);
            }
            catch (HttpRequestException)
            {
                return (response?.StatusCode ?? 0, length, true);
            }
            catch (IOException)
            {
                return (response?.StatusCode ?? 0, length, true);
            }
            finally
            {
                response?.Dispose();
            }
        }
    }
}
