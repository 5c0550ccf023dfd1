using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Describe;

/// <summary>Bad input on the governed routes: refused with the protocol's status and code, nothing forwarded.</summary>
public sealed class RequestValidationTests : IClassFixture<GovernedGatewayFixture>
{
    private readonly GovernedGateway _gw;

    public RequestValidationTests(GovernedGatewayFixture fixture) => _gw = fixture.Gateway;

    [Theory]
    [InlineData("""{"tool":"crm.read_contact","args":{"id":"c-1"}""")]
    [InlineData("""{"tool":"crm.read_contact","args":{"id":"c-1"},}""")]
    [InlineData("not json at all")]
    [InlineData("""["crm.read_contact"]""")]
    [InlineData("""{"args":{"id":"c-1"}}""")]
    [InlineData("""{"tool":"crm.read_contact","args":"c-1"}""")]
    public async Task InvokeTool_MalformedBody_Returns400(string body)
    {
        await AssertRefusedAsync("/v1/actions/invoke-tool", body, HttpStatusCode.BadRequest, "malformed_body");
    }

    [Fact]
    public async Task InvokeTool_UnknownMember_Returns400()
    {
        await AssertRefusedAsync("/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{"id":"c-1"},"priority":"high"}""", HttpStatusCode.BadRequest, "malformed_body");
    }

    [Fact]
    public async Task Evaluate_UnknownMember_Returns400()
    {
        await AssertRefusedAsync("/v1/evaluate", """{"tool":"crm.read_contact","toool":"shell.exec"}""", HttpStatusCode.BadRequest, "malformed_body");
    }

    [Theory]
    [InlineData("""{"tool":"crm.read_contact","tool":"shell.exec","args":{"id":"c-1"}}""")]
    [InlineData("""{"tool":"crm.read_contact","args":{"id":"c-1","id":"c-2"}}""")]
    public async Task InvokeTool_DuplicateMemberNames_Returns400(string body)
    {
        await AssertRefusedAsync("/v1/actions/invoke-tool", body, HttpStatusCode.BadRequest, "malformed_body");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task InvokeTool_WrongContentType_Returns415(string contentType)
    {
        var before = _gw.Upstream.Received.Count;
        using var request = _gw.Agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{"id":"c-1"}}""");
        request.Content!.Headers.ContentType = new MediaTypeHeaderValue(contentType);

        using var response = await _gw.Host.Client.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Theory]
    [InlineData("""{"tool":"crm.update_contact","args":{"id":"c-1","name":"Bearer 4f2b9c1d8e7a6b5c4d3e2f1a0b9c8d7e"}}""")]
    [InlineData("""{"tool":"crm.update_contact","args":{"id":"c-1","name":"sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD"}}""")]
    public async Task InvokeTool_SecretMaterialInPayload_Returns400AndTheUpstreamReceivesNothing(string body)
    {
        await AssertRefusedAsync("/v1/actions/invoke-tool", body, HttpStatusCode.BadRequest, "secret_material_in_payload");
    }

    [Theory]
    // An entry with no input_schema (an MCP server's tool): one with a schema that lacks the member refuses it first (invalid_arguments).
    [InlineData("""{"tool":"docs.search","args":{"query":"refund","api_key":"abc123"}}""")]
    [InlineData("""{"tool":"docs.search","args":{"query":"refund","apiKey":"abc123"}}""")]
    [InlineData("""{"tool":"docs.search","args":{"query":"refund","base_url":"https://evil.example"}}""")]
    [InlineData("""{"tool":"docs.search","args":{"query":"refund","nested":{"list":[{"authorization":"x"}]}}}""")]
    public async Task Evaluate_SecretNamedMemberInPayload_Returns400(string body)
    {
        await AssertRefusedAsync("/v1/evaluate", body, HttpStatusCode.BadRequest, "secret_material_in_payload");
    }

    [Theory]
    [InlineData("""{"tool":"crm.update_contact","args":{"id":"c-1","api_key":"abc123"}}""")]
    [InlineData("""{"tool":"crm.update_contact","args":{"id":"c-1","nested":{"list":[{"authorization":"x"}]}}}""")]
    public async Task InvokeTool_SecretNamedMemberTheInputSchemaLacks_Returns400InvalidArgumentsAndTheUpstreamReceivesNothing(string body)
    {
        await AssertRefusedAsync("/v1/actions/invoke-tool", body, HttpStatusCode.BadRequest, "invalid_arguments");
    }

    [Theory]
    [InlineData("""{"tool":"crm.update_contact","args":{"id":"c-1","api_key":"abc123"}}""")]
    [InlineData("""{"tool":"crm.update_contact","args":{"id":"c-1","nested":{"list":[{"authorization":"x"}]}}}""")]
    public async Task Evaluate_SecretNamedMemberTheInputSchemaLacks_Returns400InvalidArguments(string body)
    {
        await AssertRefusedAsync("/v1/evaluate", body, HttpStatusCode.BadRequest, "invalid_arguments");
    }

    [Fact]
    public async Task InvokeTool_SecretMaterialInPayload_IsRecordedWithoutTheSecret()
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"crm.update_contact","args":{"id":"c-1","name":"Bearer 4f2b9c1d8e7a6b5c4d3e2f1a0b9c8d7e"}}""");
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "secret_material_in_payload");
        var requestId = response.Headers.GetValues("X-Request-Id").Single();

        var record = Assert.Single(await _gw.AuditRecordsAsync(requestId));

        Assert.Equal("crm.update_contact", record.GetProperty("tool").GetString());
        Assert.Contains("secret_material_in_payload", record.GetProperty("decision").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("4f2b9c1d8e7a6b5c4d3e2f1a0b9c8d7e", record.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Model_SecretMaterialInTheProviderRequest_Returns400()
    {
        await AssertRefusedAsync("/v1/actions/model", """{"connector":"openai","request":{"model":"gpt-4o","messages":[],"api_key":"sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD"}}""",
            HttpStatusCode.BadRequest, "secret_material_in_payload");
    }

    [Fact]
    public async Task InvokeTool_PayloadOverTheConnectorsLimit_Returns413AndTheUpstreamReceivesNothing()
    {
        // crm.read_contact allows 65536 request bytes.
        var padding = string.Concat(Enumerable.Repeat("lorem ipsum dolor ", 70_000 / 18));
        var body = "{\"tool\":\"crm.read_contact\",\"args\":{\"id\":\"c-big-" + padding + "\"}}";
        Assert.True(Encoding.UTF8.GetByteCount(body) > 65536);

        var problem = await AssertRefusedAsync("/v1/actions/invoke-tool", body, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        Assert.False(problem.GetProperty("invoked").GetBoolean());
    }

    [Fact]
    public async Task InvokeTool_PayloadUnderTheConnectorsLimit_IsForwarded()
    {
        // Small enough to fit in the upstream's request line: GET puts the arguments in the query.
        var padding = string.Concat(Enumerable.Repeat("lorem-ipsum-dolor-", 4_000 / 18));
        var id = "c-" + Guid.NewGuid().ToString("N") + "-" + padding;
        var body = "{\"tool\":\"crm.read_contact\",\"args\":{\"id\":\"" + id + "\"}}";

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", body);

        await DecisionJson.DecisionAsync(response, "allow");
        Assert.Single(_gw.Upstream.To("/crm/contacts/" + id));
    }

    [Theory]
    [InlineData("/v1/actions/model", """{"connector":"openai\r\u001b[2Kaudit tool=refund decision=allow","request":{"model":"gpt-4o-mini"}}""")]
    [InlineData("/v1/actions/context", """{"scope":"docs\naudit forged line","query":"q","max_bytes":100}""")]
    [InlineData("/v1/actions/writeback", """{"scope":"ws\u0000","name":"n","content":"c"}""")]
    public async Task NativeAction_CatalogNameWithAControlCharacter_Returns400AndTheUpstreamReceivesNothing(string route, string body)
    {
        await AssertRefusedAsync(route, body, HttpStatusCode.BadRequest, "malformed_body");
    }

    [Fact]
    public async Task ModelAction_ConnectorLongerThanAnyCatalogName_Returns400()
    {
        await AssertRefusedAsync("/v1/actions/model", "{\"connector\":\"" + new string('m', 257) + "\",\"request\":{}}", HttpStatusCode.BadRequest, "malformed_body");
    }

    [Fact]
    public async Task InvokeTool_MissingPathArgument_Returns400InvalidArgumentsAndTheUpstreamReceivesNothing()
    {
        // crm.read_contact's input schema requires the id its path takes.
        await AssertRefusedAsync("/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{}}""", HttpStatusCode.BadRequest, "invalid_arguments");
    }

    [Theory]
    [InlineData("""{"tool":5}""", "$.tool")]
    [InlineData("""{"tool":"crm.read_contact","args":{"id":"c-1"},"simulate":"yes"}""", "$.simulate")]
    public async Task InvokeTool_MemberOfTheWrongType_NamesItsPath(string body, string path)
    {
        var problem = await AssertRefusedAsync("/v1/actions/invoke-tool", body, HttpStatusCode.BadRequest, "malformed_body");

        Assert.Matches(@"^The body is not valid for this route at " + System.Text.RegularExpressions.Regex.Escape(path) + @" \(line 1, byte \d+\): the value is not of the type this member takes\.$",
            problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("/v1/actions/model", """{"connector":"openai","request":{"model":"gpt-4o-mini","messages":[]},"simulate":"yes"}""", "simulate")]
    [InlineData("/v1/actions/model", """{"connector":"openai","request":{"model":"gpt-4o-mini","messages":[]},"simulate":null}""", "simulate")]
    [InlineData("/v1/actions/model", """{"connector":"openai","request":{"model":"gpt-4o-mini","messages":[]},"warrant":7}""", "warrant")]
    [InlineData("/v1/actions/context", """{"scope":"workspace","query":"q","max_bytes":100,"simulate":1}""", "simulate")]
    [InlineData("/v1/actions/context", """{"scope":"workspace","query":"q","max_bytes":100,"warrant":{"w":1}}""", "warrant")]
    public async Task EnvelopeAction_SimulateOrWarrantOfTheWrongType_Returns400LikeInvokeTool(string route, string body, string member)
    {
        var problem = await AssertRefusedAsync(route, body, HttpStatusCode.BadRequest, "malformed_body");

        Assert.Contains($"$.{member}", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"tool\":\"crm.read_contact\",\n\"args\":{\"id\":\"c-1\"},}", @"at \$\.args \(line 2, byte \d+\): the JSON object contains a trailing comma")]
    [InlineData("{\"tool\":\"crm.read_contact\",\"args\":{\"id\":\"c-1\"}", @"at \$\.args \(line 1, byte \d+\): ")]
    [InlineData("{\"tool\":\"crm.read_contact\",\"args\":{\"id\":c-1}}", @"at \$\.args\.id \(line 1, byte 41\): ")]
    [InlineData("{\"tool\":\"crm.read_contact\",\"args\":{\"ids\":[1,2,x]}}", @"at \$\.args\.ids\[1\] \(line 1, byte \d+\): ")]
    [InlineData("{\"args\":{\"id\":\"c-1\"}}", @"^(?=.*'tool')(?=.* at \$)")]
    [InlineData("{\"tool\":\"crm.read_contact\",\"priority\":\"high\"}", @"at \$.*: unknown member 'priority'")]
    public async Task InvokeTool_MalformedBody_NamesThePathThePositionAndTheMember(string body, string named)
    {
        var problem = await AssertRefusedAsync("/v1/actions/invoke-tool", body, HttpStatusCode.BadRequest, "malformed_body");

        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Matches(named, detail);
        Assert.DoesNotContain("Gateway.", detail, StringComparison.Ordinal);
    }

    private async Task<System.Text.Json.JsonElement> AssertRefusedAsync(string route, string body, HttpStatusCode status, string code)
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.PostJsonAsync(route, body);

        var problem = await ProblemAssert.IsProblemAsync(response, status, code);
        Assert.Equal(before, _gw.Upstream.Received.Count);
        return problem;
    }
}
