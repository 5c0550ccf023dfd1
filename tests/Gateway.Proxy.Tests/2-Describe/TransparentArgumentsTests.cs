using System.Net;
using System.Text;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Describe;

/// <summary>
/// On <c>/providers/&lt;connector&gt;/…</c> the arguments decided are the ones the upstream reads: a GET tool's query is
/// decided, a name sent in two places (or twice in the query in two cases) is refused, as are a raw <c>;</c> in the
/// query, a query name another server reads as another (<c>to[]</c>, <c>t.o</c>, <c>t o</c>), a <c>_method</c> override, a form body or an untyped one that is not JSON (to any connector but an MCP server, a model's included), and under a
/// <c>dry_run</c> degrade the agent's own dry-run argument; and a captured path segment never reaches an operation another
/// entry declares with a literal segment.
/// </summary>
public sealed class TransparentArgumentsTests : IClassFixture<TransparentArgumentsTests.Fixture>
{
    private readonly GovernedGateway _gw;

    public TransparentArgumentsTests(Fixture fixture) => _gw = fixture.Gateway;

    [Fact]
    public async Task Providers_GetToolQueryARuleBlocks_IsBlockedAndNeverForwarded()
    {
        var before = _gw.Upstream.To("/crm/search").Count;

        using var blocked = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Get, "/providers/crm.search/search?q=salary+bands"));
        using var allowed = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Get, "/providers/crm.search/search?q=weather"));

        await ProblemAssert.IsProblemAsync(blocked, HttpStatusCode.Forbidden, "blocked");
        Assert.Equal("/crm/search?q=weather", Assert.Single(_gw.Upstream.To("/crm/search").Skip(before)).Target);
    }

    [Theory]
    [InlineData("/providers/crm.update_contact/contacts/42", """{"id":"99","name":"Ada"}""", "malformed_body")]
    [InlineData("/providers/crm.update_contact/contacts/42?name=Grace", """{"name":"Ada"}""", "malformed_body")]
    [InlineData("/providers/crm.update_contact/contacts/42?Name=Grace&name=Ada", "{}", "malformed_body")]
    [InlineData("/providers/crm.update_contact/contacts/42?_method=DELETE", """{"name":"Ada"}""", "method_override_refused")]
    [InlineData("/providers/crm.update_contact/contacts/42?_Method=DELETE", """{"name":"Ada"}""", "method_override_refused")]
    [InlineData("/providers/crm.update_contact/contacts/42", """{"name":"Ada","_METHOD":"DELETE"}""", "method_override_refused")]
    [InlineData("/providers/crm.update_contact/contacts/42?.method=DELETE", """{"name":"Ada"}""", "method_override_refused")]
    [InlineData("/providers/crm.update_contact/contacts/42", """{"id":"42","ID":"99"}""", "malformed_body")]
    [InlineData("/providers/crm.update_contact/contacts/42", """{"name":"Ada","NAME":"Grace"}""", "malformed_body")]
    public async Task Providers_ArgumentsReadTwoWays_AreRefusedAndNeverForwarded(string target, string body, string code)
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Patch, target, body));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, code);
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Theory]
    [InlineData("/providers/crm.update_contact/contacts/42", """{"id":"42","name":"Ada"}""")]
    [InlineData("/providers/crm.update_contact/contacts/42?name=Ada", """{"name":"Ada"}""")]
    public async Task Providers_ArgumentRepeatedWithTheSameValue_IsForwarded(string target, string body)
    {
        var before = _gw.Upstream.To("/crm/contacts/42").Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Patch, target, body));

        Assert.NotEqual(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(before + 1, _gw.Upstream.To("/crm/contacts/42").Count);
    }

    [Fact]
    public async Task Providers_CaptureSpellingALiteralOfABindingWithAnotherPath_IsDecidedAsTheCapture()
    {
        // crm.team_members (GET /teams/members) shares no prefix with /contacts/{id}: no router would take one for the other.
        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/members"));

        Assert.NotEqual(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Single(_gw.Upstream.To("/crm/contacts/members"));
    }

    [Fact]
    public async Task Providers_WebhookQueryARuleBlocks_IsBlockedAsTheBodyWouldBe()
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/mail.send?to=someone@gmail.com", """{"body":"hi"}"""));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "blocked");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Fact]
    public async Task Providers_SchemalessWebhookQueryARuleBlocks_IsBlocked()
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/mail.relay?to=someone@gmail.com", """{"body":"hi"}"""));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "blocked");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Theory]
    [InlineData("/providers/mail.send?to%5B%5D=someone@gmail.com")]
    [InlineData("/providers/mail.relay?to%5B%5D=someone@gmail.com")]
    [InlineData("/providers/mail.relay?to[]=someone@gmail.com")]
    [InlineData("/providers/mail.relay?to[x]=someone@gmail.com")]
    [InlineData("/providers/mail.relay?t.o=someone@gmail.com")]
    [InlineData("/providers/mail.relay?t+o=someone@gmail.com")]
    public async Task Providers_WebhookQueryInBracketForm_IsRefused(string target)
    {
        // PHP, Rails and Express (qs) read to[] as to, and PHP reads t.o and "t o" as t_o: decided as written, $.to would
        // never match them (mail.send's schema refuses to[] too; mail.relay has none).
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.CreateRaw(HttpMethod.Post, target, """{"body":"hi"}"""));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Contains("query", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, _gw.Upstream.Received.Count);
        var record = Assert.Single(await _gw.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id"))));
        Assert.Equal(target["/providers/".Length..target.IndexOf('?', StringComparison.Ordinal)], record.GetProperty("tool").GetString());
        Assert.Contains("malformed_body", record.GetProperty("decision").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/providers/crm.search/search?q=a;to=b")]
    [InlineData("/providers/crm.search/search?q=a&Q=salary")]
    [InlineData("/providers/crm.search/search?q%5B%5D=salary")]
    [InlineData("/providers/crm.search/search?q[]=salary")]
    [InlineData("/providers/crm.search/search?q[0]=salary")]
    [InlineData("/providers/crm.search/search?q%5D=salary")]
    [InlineData("/providers/crm.search/search?q.=salary")]
    [InlineData("/providers/crm.search/search?q+=salary")]
    [InlineData("/providers/crm.search/search?q%20=salary")]
    public async Task Providers_QueryReadTwoWays_IsRefused(string target)
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.CreateRaw(HttpMethod.Get, target));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded", "to=someone%40gmail.com&body=hi")]
    [InlineData("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\nsomeone@gmail.com\r\n--b--\r\n")]
    public async Task Providers_FormBody_IsRefusedNotDecidedWithoutArguments(string contentType, string body)
    {
        var before = _gw.Upstream.Received.Count;
        using var request = _gw.Agent.Create(HttpMethod.Post, "/providers/mail.send", body);
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await _gw.Agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Fact]
    public async Task Providers_FormEncodedBodyWithoutContentType_IsRefusedAndNothingForwarded()
    {
        // Rack reads a POST with no content type as a form: params[:to] would be the address no rule on $.to saw.
        await AssertUntypedBodyRefusedAsync(HttpMethod.Post, "/providers/mail.send", "to=someone%40gmail.com&body=hi", "mail.send");
    }

    [Fact]
    public async Task Providers_MethodOverrideInBodyWithoutContentType_IsRefused()
    {
        // Rack::MethodOverride reads _method from a POST's such body: the POST decided would run as a DELETE.
        await AssertUntypedBodyRefusedAsync(HttpMethod.Post, "/providers/mail.send", "body=hi&_method=DELETE", "mail.send");
    }

    [Fact]
    public async Task Providers_UntypedBinaryPut_IsForwardedAsBefore()
    {
        // requests.put(url, data=binary) sends no content type; Rack reads only a POST's untyped body as a form.
        const string Body = "PK\u0003\u0004\u0000\u0001 zipped&bytes=\u0002";
        using var request = _gw.Agent.Create(HttpMethod.Put, "/providers/files.put/files/report.bin", Body);
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Body));

        using var response = await _gw.Agent.SendAsync(request);

        // Forwarded byte for byte (the test upstream answers 404 on a path it does not serve).
        Assert.NotEqual(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var forwarded = Assert.Single(_gw.Upstream.To("/crm/files/report.bin"));
        Assert.Equal("PUT", forwarded.Method);
        Assert.Equal(Body, forwarded.Body);
    }

    [Fact]
    public async Task Providers_UntypedJsonWithAFormFieldInAString_IsRefusedAndNothingForwarded()
    {
        // JSON to the gateway, decided without $.to; a form to Rack, whose params[:to] is the address after the '&'.
        await AssertUntypedBodyRefusedAsync(HttpMethod.Post, "/providers/mail.relay", """{"body":"hi&to=someone%40gmail.com"}""", "mail.relay");
    }

    [Fact]
    public async Task Providers_FormEncodedBodyWithAnEmptyContentType_IsRefusedAndNothingForwarded()
    {
        var before = _gw.Upstream.Received.Count;
        using var request = _gw.Agent.Create(HttpMethod.Post, "/providers/mail.send", "to=someone%40gmail.com&body=hi");
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes("to=someone%40gmail.com&body=hi"));
        request.Content.Headers.TryAddWithoutValidation("Content-Type", string.Empty);
        await using var connection = await RawHttpConnection.OpenAsync(_gw.Host.BaseAddress);

        await connection.WriteAsync(request, request.RequestUri!.PathAndQuery, _gw.Host.BaseAddress.Authority);
        var answer = await connection.ReadAnswerAsync();

        Assert.StartsWith("HTTP/1.1 415", answer, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"unsupported_media_type\"", answer, StringComparison.Ordinal);
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Fact]
    public async Task Providers_JsonWithoutContentType_IsDecidedOnItsArgumentsAsBefore()
    {
        var before = _gw.Upstream.Received.Count;
        using var request = _gw.Agent.Create(HttpMethod.Post, "/providers/mail.relay", """{"to":"someone@gmail.com","body":"hi"}""");
        request.Content!.Headers.ContentType = null;

        using var response = await _gw.Agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "blocked");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Theory]
    [InlineData("/providers/openai/responses", "application/x-www-form-urlencoded", "model=expensive-model&max_output_tokens=100000")]
    [InlineData("/providers/openai/chat/completions", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nexpensive-model\r\n--b--\r\n")]
    public async Task Providers_FormBodyToAModelConnector_IsRefusedAsAnOpenAIErrorNotDecidedWithoutArguments(string target, string contentType, string body)
    {
        var before = _gw.Upstream.Received.Count;
        using var request = _gw.Agent.Create(HttpMethod.Post, target, body);
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await _gw.Agent.SendAsync(request);

        await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Fact]
    public async Task Providers_CaptureSpellingASiblingsLiteral_IsDecidedAsThatSiblingOrNotMapped()
    {
        var before = _gw.Upstream.Received.Count;

        // crm.export (GET /contacts/export) is not the agent's; the capture of crm.read_contact never stands in for it.
        using var literal = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/export"));
        using var otherCase = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/EXPORT"));
        using var matrix = await _gw.Agent.SendAsync(_gw.Agent.CreateRaw(HttpMethod.Get, "/providers/crm.read_contact/contacts/export;x"));

        await ProblemAssert.IsProblemAsync(literal, HttpStatusCode.Forbidden, "blocked");
        await ProblemAssert.IsProblemAsync(otherCase, HttpStatusCode.Forbidden, "operation_not_mapped");
        await ProblemAssert.IsProblemAsync(matrix, HttpStatusCode.Forbidden, "operation_not_mapped");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Theory]
    [InlineData("/providers/crm.search/search?q=rehearse&dry_run=false")]
    [InlineData("/providers/crm.search/search?q=rehearse&DryRun=0")]
    [InlineData("/providers/crm.search/search?q=rehearse&DRY-RUN=false")]
    public async Task Providers_DryRunDegradeWithTheAgentsOwnDryRunArgument_IsRefused(string target)
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Get, target));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "degrade_refused");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Fact]
    public async Task Providers_DryRunDegrade_IsForwardedSaidToBeADryRun()
    {
        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Get, "/providers/crm.search/search?q=rehearse-2"));

        var forwarded = Assert.Single(_gw.Upstream.To("/crm/search?q=rehearse-2"));
        Assert.Equal("true", forwarded.Headers["X-Gamut-Dry-Run"]);
    }

    private async Task AssertUntypedBodyRefusedAsync(HttpMethod method, string target, string body, string tool)
    {
        var before = _gw.Upstream.Received.Count;
        using var request = _gw.Agent.Create(method, target, body);
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));

        using var response = await _gw.Agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Equal(before, _gw.Upstream.Received.Count);
        var record = Assert.Single(await _gw.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id"))));
        Assert.Equal(tool, record.GetProperty("tool").GetString());
        Assert.Contains("unsupported_media_type", record.GetProperty("decision").GetString(), StringComparison.Ordinal);
    }

    public sealed class Fixture : IAsyncLifetime
    {
        private const string Entries = """
              - name: crm.search
                kind: http
                action_type: read
                target_system: crm
                data_classes: [internal]
                upstream: http://127.0.0.1:9110/crm
                credential: vault:crm-token
                http: { method: GET, path: "/search" }

              - name: crm.export
                kind: http
                action_type: read
                target_system: crm
                data_classes: [internal]
                upstream: http://127.0.0.1:9110/crm
                credential: vault:crm-token
                http: { method: GET, path: "/contacts/export" }

              - name: crm.team_members
                kind: http
                action_type: read
                target_system: crm
                data_classes: [internal]
                upstream: http://127.0.0.1:9110/crm
                credential: vault:crm-token
                http: { method: GET, path: "/teams/members" }

              - name: mail.relay
                kind: webhook
                action_type: write
                target_system: mail
                data_classes: [internal]
                upstream: http://127.0.0.1:9140/relay
                credential: vault:mail-hook

              - name: files.put
                kind: http
                action_type: write
                target_system: crm
                data_classes: [internal]
                upstream: http://127.0.0.1:9110/crm
                credential: vault:crm-token
                http: { method: PUT, path: "/files/{name}" }

              - name: crm.update_contact

            """;

        private const string Rules = """
            rules:
              - id: no-salary-search
                match:
                  tools: [crm.search]
                  args: [{ path: $.q, glob: "*salary*" }]
                effect: block
                reason: salary_search
              - id: rehearsed-search
                match:
                  tools: [crm.search]
                  args: [{ path: $.q, glob: "rehearse*" }]
                effect: degrade
                degrade: dry_run
                reason: rehearsed_search
              - id: no-gmail-relay
                match:
                  tools: [mail.relay]
                  args: [{ path: $.to, glob: "*@gmail.com" }]
                effect: block
                reason: personal_mail_domain

            """;

        public GovernedGateway Gateway { get; private set; } = null!;

        public async Task InitializeAsync() => Gateway = await GovernedGateway.StartAsync(static text => text
            .Replace("  - name: crm.update_contact\n", Entries.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal)
            .Replace("      - { tool: crm.update_contact }\n", "      - { tool: crm.update_contact }\n      - { tool: crm.search }\n      - { tool: mail.relay }\n      - { tool: files.put }\n", StringComparison.Ordinal)
            .Replace("rules:\n", Rules.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal));

        public async Task DisposeAsync() => await Gateway.DisposeAsync();
    }
}
