using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy.Tests.Forward;

/// <summary>
/// <c>http</c> entries against a real Kestrel upstream, through the real gateway on loopback: the upstream's response headers
/// reach the agent redacted as its body is (an e-mail address, a card number); a <c>delete</c> bound to <c>GET</c> is not let
/// through <c>read_only</c> for its verb; an argument spelled two ways (<c>amount</c>, <c>AMOUNT</c>), at any depth and to a
/// webhook too, is refused as <c>malformed_body</c>, as is a GET tool's argument named in bracket form (<c>to[]</c>); a body declared in a charset other than UTF-8 is refused (415); and the agent's MCP mirrored headers
/// never reach an HTTP upstream.
/// </summary>
public sealed class HttpEntryHardeningTests : IClassFixture<HttpEntryHardeningTests.Fixture>
{
    private const string Email = "ada.lovelace@example.com";
    private const string Card = "4111 1111 1111 1111";

    private readonly Fixture _fixture;

    public HttpEntryHardeningTests(Fixture fixture) => _fixture = fixture;

    private GovernedGateway Gw => _fixture.Gateway;

    [Fact]
    public async Task Providers_UpstreamHeadersCarryAnEmailAndACardNumber_AreRedactedAsTheBodyIs()
    {
        using var response = await Gw.Agent.SendAsync(Gw.Agent.Create(HttpMethod.Get, "/providers/hdr/show"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("[REDACTED:email]", Assert.Single(response.Headers.GetValues("X-Owner")));
        Assert.Equal("card [REDACTED:card_number] on file", Assert.Single(response.Headers.GetValues("X-Card")));
        Assert.Equal("kept as sent", Assert.Single(response.Headers.GetValues("X-Plain")));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("[REDACTED:email]", body, StringComparison.Ordinal);
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            var text = header.Key + ": " + string.Join(", ", header.Value);
            Assert.DoesNotContain(Email, text, StringComparison.Ordinal);
            Assert.DoesNotContain(Card, text, StringComparison.Ordinal);
        }

        var record = Assert.Single(await Gw.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id"))), r => r.TryGetProperty("redactions", out _));
        Assert.True(record.GetProperty("redactions").GetProperty("email").GetInt32() >= 2, record.ToString());
        Assert.True(record.GetProperty("redactions").GetProperty("card_number").GetInt32() >= 1, record.ToString());
    }

    [Fact]
    public async Task InvokeTool_ReadOnlyDegradeOfADeleteBoundToGet_IsRefusedAndNeverSent()
    {
        using var response = await Gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"purge","args":{"scope":"invoke"}}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "degrade_refused");
        Assert.Equal("degrade", problem.GetProperty("decision").GetString());
        Assert.DoesNotContain(_fixture.Upstream.Received, r => r.Target.StartsWith("/ops/purge", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Providers_ReadOnlyDegradeOfADeleteBoundToGet_IsRefusedAndNeverSent()
    {
        using var response = await Gw.Agent.SendAsync(Gw.Agent.Create(HttpMethod.Get, "/providers/purge/purge?scope=providers"));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "degrade_refused");
        Assert.Equal("degrade", problem.GetProperty("decision").GetString());
        Assert.DoesNotContain(_fixture.Upstream.Received, r => r.Target.StartsWith("/ops/purge", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"account":"a-1","amount":1,"AMOUNT":1000000}""")]
    [InlineData("""{"account":"a-1","amount":1,"Amount":1000000}""")]
    [InlineData("""{"account":"a-1","to_account":"b-1","toAccount":"evil"}""")]
    [InlineData("""{"account":"a-1","Account":"a-2","amount":1}""")]
    public async Task InvokeTool_ArgumentSpelledTwoWays_IsRefusedMalformedAndNeverSent(string args)
    {
        var before = _fixture.Upstream.Received.Count(r => r.Target.StartsWith("/pay/", StringComparison.Ordinal));

        using var response = await Gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", $$"""{"tool":"pay","args":{{args}}}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Contains("spelled two ways", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, _fixture.Upstream.Received.Count(r => r.Target.StartsWith("/pay/", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("""{"account":"a-1","payment":{"amount":1,"AMOUNT":99999999}}""")]
    [InlineData("""{"account":"a-1","lines":[{"sku":"a"},{"sku":"b","SKU":"evil"}]}""")]
    public async Task InvokeTool_NestedArgumentSpelledTwoWays_IsRefusedMalformedAndNeverSent(string args)
    {
        using var response = await Gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", $$"""{"tool":"pay","args":{{args}}}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Contains("spelled two ways", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_fixture.Upstream.Received, r => r.Target == "/pay/charge/a-1");
    }

    [Fact]
    public async Task Providers_NestedArgumentSpelledTwoWays_IsRefusedMalformedAndNeverSent()
    {
        using var response = await Gw.Agent.SendAsync(Gw.Agent.Create(HttpMethod.Post, "/providers/pay/charge/a-2", """{"payment":{"amount":1,"AMOUNT":99999999}}"""));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Contains("spelled two ways", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_fixture.Upstream.Received, r => r.Target == "/pay/charge/a-2");
    }

    [Theory]
    [InlineData("to[]")]
    [InlineData("to[0]")]
    [InlineData("t.o")]
    [InlineData("t o")]
    public async Task InvokeTool_GetToolArgumentInBracketForm_IsRefusedAndNeverSent(string name)
    {
        using var response = await Gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"mail.search","args":{"q":"x","NAME":"x@gmail.com"}}""".Replace("\"NAME\"", JsonSerializer.Serialize(name), StringComparison.Ordinal));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.DoesNotContain(_fixture.Upstream.Received, r => r.Target.StartsWith("/mail/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InvokeTool_GetToolArgumentARuleBlocks_IsBlocked()
    {
        using var response = await Gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"mail.search","args":{"to":"x@gmail.com"}}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "blocked");
        Assert.DoesNotContain(_fixture.Upstream.Received, r => r.Target.StartsWith("/mail/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"amount":1,"AMOUNT":1000000}""")]
    [InlineData("""{"amount":1,"Amount":1000000}""")]
    [InlineData("""{"note":{"to":"a","TO":"b"}}""")]
    public async Task InvokeTool_WebhookArgumentSpelledTwoWays_IsRefusedMalformedAndNeverSent(string args)
    {
        using var response = await Gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", $$"""{"tool":"hook","args":{{args}}}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Contains("spelled two ways", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_fixture.Upstream.Received, r => r.Target == "/hook" && (r.Body.Contains("1000000", StringComparison.Ordinal) || r.Body.Contains("\"TO\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task InvokeTool_WebhookArgumentInAnotherCaseAboveItsMaximum_IsRefusedInvalidAndNeverSent()
    {
        using var response = await Gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"hook","args":{"AMOUNT":99999999}}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_arguments");
        Assert.Contains("$.AMOUNT: above the maximum", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_fixture.Upstream.Received, r => r.Target == "/hook" && r.Body.Contains("99999999", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InvokeTool_WebhookArgumentsSpelledOnce_ArePosted()
    {
        using var response = await Gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"hook","args":{"amount":7,"note":{"to":"a"}}}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(_fixture.Upstream.Received, r => r.Target == "/hook" && r.Body.Contains("\"amount\":7", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InvokeTool_EnvelopeMemberSpelledInAnotherCase_IsRefusedMalformed()
    {
        using var response = await Gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"pay","args":{"account":"a-1","amount":1},"ARGS":{"account":"a-1","amount":7770777}}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.DoesNotContain(_fixture.Upstream.Received, r => r.Body.Contains("7770777", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InvokeTool_ArgumentsSpelledOnce_ReachTheUpstream()
    {
        using var response = await Gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"pay","args":{"account":"a-7","amount":3}}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(_fixture.Upstream.Received, r => r.Target == "/pay/charge/a-7" && r.Body.Contains("\"amount\":3", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("text/plain; charset=windows-1252")]
    [InlineData("text/plain; charset=latin1")]
    [InlineData("application/json; charset=iso-8859-1")]
    [InlineData("text/plain; charset=us-ascii")]
    [InlineData("application/json; charset=ascii")]
    [InlineData("text/plain; charset=utf-8; charset=windows-1252")]
    public async Task Providers_BodyDeclaredInACharsetOtherThanUtf8_IsRefused415AndNeverSent(string contentType)
    {
        var before = _fixture.Upstream.Received.Count(r => r.Target.StartsWith("/pay/", StringComparison.Ordinal));

        // The card number split by 0x96 (windows-1252's en dash): read as UTF-8, no pattern matches it.
        var body = Encoding.ASCII.GetBytes("{\"amount\":1,\"note\":\"card 4111X1111X1111X1111\"}").Select(b => b == (byte)'X' ? (byte)0x96 : b).ToArray();
        using var request = Gw.Agent.Create(HttpMethod.Post, "/providers/pay/charge/a-9");
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        Gw.Agent.Signer.Sign(request, body);

        using var response = await Gw.Agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Equal(before, _fixture.Upstream.Received.Count(r => r.Target.StartsWith("/pay/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Providers_BodyDeclaredUtf8_IsForwarded()
    {
        using var request = Gw.Agent.Create(HttpMethod.Post, "/providers/pay/charge/a-10", """{"amount":2}""");
        request.Content!.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");

        using var response = await Gw.Agent.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(_fixture.Upstream.Received, r => r.Target == "/pay/charge/a-10");
    }

    [Theory]
    [InlineData("text/plain", "text/plain; charset=utf-8")]
    [InlineData("text/csv; header=present", "text/csv; header=present; charset=utf-8")]
    [InlineData("text/plain; charset=UTF-8", "text/plain; charset=UTF-8")]
    [InlineData("application/json", "application/json")]
    public async Task Providers_BodyWithNoCharset_ReachesTheUpstreamDeclaredAsTheUtf8ItWasReadAs(string sent, string received)
    {
        // "café" in UTF-8: "cafÃ©" to an upstream that takes text with no charset for ISO-8859-1, as a Java servlet does.
        var target = "/pay/charge/a-" + Guid.NewGuid().ToString("N");
        var body = Encoding.UTF8.GetBytes(sent.StartsWith("text/", StringComparison.Ordinal) ? "note: café" : """{"note":"café"}""");
        using var request = Gw.Agent.Create(HttpMethod.Post, "/providers" + target);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.TryAddWithoutValidation("Content-Type", sent);
        Gw.Agent.Signer.Sign(request, body);

        using var response = await Gw.Agent.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(received, Assert.Single(_fixture.Upstream.Received, r => r.Target == target).Headers["Content-Type"]);
    }

    [Fact]
    public async Task Providers_AgentSendsMcpMirroredHeadersToAnHttpEntry_TheUpstreamReceivesNone()
    {
        using var request = Gw.Agent.Create(HttpMethod.Get, "/providers/hdr/show?marker=mirrored");
        request.Headers.TryAddWithoutValidation("Mcp-Method", "tools/call");
        request.Headers.TryAddWithoutValidation("Mcp-Name", "purge");
        request.Headers.TryAddWithoutValidation("Mcp-Param-Scope", "all");

        using var response = await Gw.Agent.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_fixture.Upstream.Received, r => r.Target == "/hdr/show?marker=mirrored");
        Assert.DoesNotContain(received.Headers.Keys, name => name.StartsWith("Mcp-", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The gateway with four HTTP entries and a webhook on a real upstream, the demo agent allowed them; purge degraded to
    /// read_only, a Gmail address to mail.search blocked.
    /// </summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public GovernedGateway Gateway { get; private set; } = null!;

        public KestrelUpstream Upstream { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Upstream = await KestrelUpstream.StartAsync(app =>
            {
                app.MapGet("/hdr/show", (HttpContext context) =>
                {
                    context.Response.Headers["X-Owner"] = Email;
                    context.Response.Headers["X-Card"] = "card " + Card + " on file";
                    context.Response.Headers["X-Plain"] = "kept as sent";
                    return Results.Json(new { owner = Email });
                });
                app.MapGet("/ops/purge", () => Results.Json(new { purged = true }));
                app.MapPost("/pay/charge/{account}", (string account) => Results.Json(new { charged = account }));
                app.MapGet("/mail/search", () => Results.Json(new { found = 0 }));
                app.MapPost("/hook", () => Results.Json(new { received = true }));
            });
            var origin = Upstream.Origin;
            Gateway = await GovernedGateway.StartAsync(text => text
                .Replace("catalog:\n", $$"""
                    catalog:
                      - { name: hdr, kind: http, action_type: read, target_system: hdr, upstream: "{{origin}}/hdr", credential: none, http: { method: GET, path: "/show" } }
                      - { name: purge, kind: http, action_type: delete, target_system: ops, upstream: "{{origin}}/ops", credential: none, http: { method: GET, path: "/purge", args: query } }
                      - { name: pay, kind: http, action_type: write, target_system: pay, upstream: "{{origin}}/pay", credential: none, http: { method: POST, path: "/charge/{account}" } }
                      - { name: mail.search, kind: http, action_type: read, target_system: mail, upstream: "{{origin}}/mail", credential: none, http: { method: GET, path: "/search" } }
                      - { name: hook, kind: webhook, action_type: write, target_system: hook, upstream: "{{origin}}/hook", credential: none, input_schema: { type: object, properties: { amount: { type: number, maximum: 10000 } } } }

                    """.Replace("\r", string.Empty), StringComparison.Ordinal)
                .Replace("rules:\n", "rules:\n  - id: purge-read-only\n    match:\n      tools: [purge]\n    effect: degrade\n    degrade: read_only\n    reason: purge_read_only\n"
                    + "  - id: no-gmail-search\n    match:\n      tools: [mail.search]\n      args: [{ path: $.to, glob: \"*@gmail.com\" }]\n    effect: block\n    reason: personal_mail_domain\n", StringComparison.Ordinal)
                .Replace("      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: hdr }\n      - { tool: purge }\n      - { tool: pay }\n      - { tool: mail.search }\n      - { tool: hook }\n", StringComparison.Ordinal));
        }

        public async Task DisposeAsync()
        {
            await Gateway.DisposeAsync();
            await Upstream.DisposeAsync();
        }
    }
}
