using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Proxy.Tests.A2a;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Proxy.Tests.Security;

/// <summary>
/// An upstream that reflects the credential the gateway injected (issue #68): a real Kestrel server, behind an HTTP tool,
/// a model connector and an A2A remote agent that share one vault credential, answers with the credential it received —
/// without the <c>Bearer </c> prefix, JSON-escaped, percent-encoded, split across the events of a stream, in a response
/// header, in its HTTP/1.1 reason phrase. Whatever the route (the governed invoke-tool, the transparent provider route, the model route, streamed or
/// not, an A2A reply or its event stream), the agent never receives it in any spelling, and the audit record counts the
/// echo as a <c>credential</c> redaction. An answer in UTF-16 (its charset declared or not), which no pattern can be matched
/// in, is refused on the governed and the provider route alike, and so is a redirect however its <c>Location</c> is spelled;
/// no other answer's header names the upstream's URL.
/// </summary>
public sealed class CredentialEchoTests : IClassFixture<CredentialEchoTests.Fixture>
{
    /// <summary>The vault credential: characters JSON and URLs escape, so that each spelling differs.</summary>
    public const string Secret = "echo+cred/Secret=42&x<y>";

    private readonly Fixture _fixture;

    public CredentialEchoTests(Fixture fixture) => _fixture = fixture;

    private GovernedGateway Gw => _fixture.Gateway;

    [Fact]
    public async Task InvokeTool_UpstreamReflectsTheCredentialInJson_ResultHoldsNoSpellingOfIt_AndTheEchoIsRecorded()
    {
        using var response = await Gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"echo","args":{"mode":"json"}}""");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        CredentialEcho.AssertAbsent(Secret, body);
        Assert.Contains("[REDACTED:credential]", body, StringComparison.Ordinal);
        var record = Assert.Single(await Gw.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id"))), r => r.TryGetProperty("redactions", out _));
        Assert.True(record.GetProperty("redactions").GetProperty("credential").GetInt32() >= 4, record.ToString());
        Assert.DoesNotContain(Secret, record.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("text")]
    [InlineData("sse")]
    public async Task Providers_UpstreamReflectsTheCredential_BodyAndHeadersHoldNoSpellingOfIt(string mode)
    {
        var request = Gw.Agent.Create(HttpMethod.Get, "/providers/echo/" + mode);
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 5);
        request.Headers.IfRange = new System.Net.Http.Headers.RangeConditionHeaderValue("\"v1\"");
        using var response = await Gw.Agent.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The whole answer, never a slice of it, and none of the upstream's cookies.
        Assert.Equal("range:", Assert.Single(response.Headers.GetValues("X-Echo-Range")));
        Assert.False(response.Headers.Contains("Set-Cookie"));
        CredentialEcho.AssertAbsent(Secret, body);
        Assert.Contains("[REDACTED:credential]", body, StringComparison.Ordinal);
        Assert.Contains("still here", body, StringComparison.Ordinal);
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            CredentialEcho.AssertAbsent(Secret, header.Key + ": " + string.Join(", ", header.Value));
        }

        Assert.Equal("[REDACTED:credential]", Assert.Single(response.Headers.GetValues("X-Echo")));
    }

    [Theory]
    [InlineData("utf16-xml")]
    [InlineData("utf16-json")]
    [InlineData("utf16-as-utf8")]
    [InlineData("windows-1252")]
    [InlineData("us-ascii")]
    [InlineData("two-charsets")]
    public async Task InvokeTool_UpstreamReflectsTheCredentialAsUtf16_IsRefusedAndNothingOfItReturned(string mode)
    {
        using var response = await Gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", $$$"""{"tool":"echo","args":{"mode":"{{{mode}}}"}}""");
        var body = await response.Content.ReadAsStringAsync();

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway, "response_uninspectable");
        CredentialEcho.AssertAbsent(Secret, Narrowed(body));
    }

    [Theory]
    [InlineData("utf16-xml")]
    [InlineData("utf16-json")]
    [InlineData("utf16-as-utf8")]
    [InlineData("windows-1252")]
    [InlineData("us-ascii")]
    [InlineData("two-charsets")]
    public async Task Providers_UpstreamReflectsTheCredentialAsUtf16_IsRefusedAndNothingOfItReturned(string mode)
    {
        // Refused where the redactor sees it, text as it streams or JSON read whole at its end: nothing was sent yet, so a 502.
        using var response = await Gw.Agent.SendAsync(Gw.Agent.Create(HttpMethod.Get, "/providers/echo/" + mode));
        var body = await response.Content.ReadAsStringAsync();

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway, "response_uninspectable");
        CredentialEcho.AssertAbsent(Secret, Narrowed(body));
    }

    [Theory]
    [InlineData("charset-unparsed")]
    [InlineData("two-content-types")]
    public async Task Providers_UpstreamContentTypeThatDoesNotParseNamingWindows1252_IsRefused(string mode)
    {
        // .NET's typed ContentType is null (or the first of two), yet the header reaches the agent as written, windows-1252 and all.
        using var response = await Gw.Agent.SendAsync(Gw.Agent.Create(HttpMethod.Get, "/providers/echo/" + mode));
        var body = await response.Content.ReadAsStringAsync();

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway, "response_uninspectable");
        Assert.DoesNotContain("4111", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("redirect")]
    [InlineData("redirect-backslashes")]
    [InlineData("redirect-percent")]
    [InlineData("redirect-tab")]
    public async Task Providers_UpstreamRedirects_IsRefusedWithNoLocation(string mode)
    {
        // Spellings .NET cannot parse as a URI (its typed Location is null) but a WHATWG parser, as browsers and Node's fetch use, follows.
        using var response = await Gw.Agent.SendAsync(Gw.Agent.Create(HttpMethod.Get, "/providers/echo/" + mode));
        var body = await response.Content.ReadAsStringAsync();

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway, "upstream_unavailable");
        Assert.False(response.Headers.NonValidated.Contains("Location"));
        Assert.DoesNotContain("elsewhere", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Providers_UpstreamNamesItsOwnUrlInA201_NoResponseHeaderHoldsTheUpstreamOrigin()
    {
        using var response = await Gw.Agent.SendAsync(Gw.Agent.Create(HttpMethod.Get, "/providers/echo/created"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        foreach (var header in response.Headers.NonValidated.Concat(response.Content.Headers.NonValidated))
        {
            Assert.DoesNotContain(_fixture.UpstreamAuthority, header.Key + ": " + string.Join(", ", header.Value), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Providers_UpstreamReflectsTheCredentialInItsReasonPhrase_StatusLineHoldsNoSpellingOfIt()
    {
        using var response = await Gw.Agent.SendAsync(Gw.Agent.Create(HttpMethod.Get, "/providers/echo/reason"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertStandardReason(response);
    }

    [Fact]
    public async Task InvokeTool_UpstreamReflectsTheCredentialInItsReasonPhrase_StatusLineHoldsNoSpellingOfIt()
    {
        using var response = await Gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"echo","args":{"mode":"reason"}}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertStandardReason(response);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ModelRoute_ModelReflectsTheCredential_AnswerHoldsNoSpellingOfIt(bool stream)
    {
        var request = JsonSerializer.Serialize(new { model = "gpt-4o", stream, messages = new[] { new { role = "user", content = "hi" } } });

        using var response = await Gw.Agent.SendAsync(Gw.Agent.Create(HttpMethod.Post, "/providers/echo.model/chat/completions", request));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        CredentialEcho.AssertAbsent(Secret, body);
        var text = stream
            ? string.Concat(body.Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal))
                .Select(l => JsonDocument.Parse(l[6..]).RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString()))
            : JsonDocument.Parse(body).RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
        Assert.Equal("your key is [REDACTED:credential], use it well", text);
    }

    [Theory]
    [InlineData("SendMessage")]
    [InlineData("SendStreamingMessage")]
    public async Task A2a_RemoteAgentReflectsTheCredentialWithoutItsScheme_ReplyHoldsNoSpellingOfIt(string method)
    {
        using var response = await Gw.Agent.SendAsync(Gw.Agent.Create(HttpMethod.Post, "/a2a/helper", A2aRouteTests.Message(method, "summarize", A2aTestAgent.ReflectCredential)));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("done: [REDACTED:credential]", body, StringComparison.Ordinal);
        CredentialEcho.AssertAbsent(Secret, body);
        Assert.Contains("Bearer " + Secret, _fixture.Agent.Authorizations);
    }

    // An HTTP/1.1 status line, where the upstream's reason phrase would be read: the standard one, nothing of the upstream's.
    private static void AssertStandardReason(HttpResponseMessage response)
    {
        Assert.Equal(HttpVersion.Version11, response.Version);
        CredentialEcho.AssertAbsent(Secret, response.ReasonPhrase ?? string.Empty);
        Assert.DoesNotContain("ada@example.com", response.ReasonPhrase ?? string.Empty, StringComparison.Ordinal);
        Assert.Equal("OK", response.ReasonPhrase);
    }

    // UTF-16 text as an agent that drops its NULs (raw or JSON-escaped) would read it.
    private static string Narrowed(string body) => body.Replace("\0", string.Empty, StringComparison.Ordinal).Replace("\\u0000", string.Empty, StringComparison.Ordinal);

    /// <summary>The gateway with the reflecting upstream's three connectors, the demo agent allowed them.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public GovernedGateway Gateway { get; private set; } = null!;

        internal A2aTestAgent Agent { get; } = new();

        private KestrelUpstream _upstream = null!;

        /// <summary>The reflecting upstream's host and port, which no answer to the agent names.</summary>
        public string UpstreamAuthority => new Uri(_upstream.Origin).Authority;

        public async Task InitializeAsync()
        {
            _upstream = await KestrelUpstream.StartAsync(app =>
            {
                Agent.Map(app);
                MapReflector(app);
            });
            var origin = _upstream.Origin;
            Gateway = await GovernedGateway.StartAsync(text => text
                .Replace("catalog:\n", $$"""
                    catalog:
                      - { name: echo, kind: http, action_type: read, target_system: echo, upstream: "{{origin}}/echo", credential: "vault:echo-token", http: { method: GET, path: "/{mode}", args: query }, input_schema: { type: object, properties: { mode: { type: string } }, required: [mode] } }
                      - { name: echo.model, kind: openai, action_type: model_inference, target_system: echo-model, upstream: "{{origin}}/v1", credential: "vault:echo-token", pricing: { currency: USD, input_per_1k_tokens: 0.001, output_per_1k_tokens: 0.001 } }
                      - { name: helper, kind: a2a, action_type: read, target_system: helper, upstream: "{{origin}}/a2a", credential: "vault:echo-token" }
                      - { name: helper.summarize, kind: a2a_skill, action_type: read, target_system: helper, connector: helper, a2a_skill: summarize }

                    """.Replace("\r", string.Empty), StringComparison.Ordinal)
                .Replace("      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: echo }\n      - { tool: echo.model }\n      - { tool: helper }\n      - { tool: helper.summarize }\n", StringComparison.Ordinal));
            using var put = await Gateway.Admin().PutAsync("/admin/v1/tenants/demo/credentials/echo-token",
                new StringContent(JsonSerializer.Serialize(new { value = Secret }), Encoding.UTF8, "application/json"));
            put.EnsureSuccessStatusCode();
        }

        public async Task DisposeAsync()
        {
            await Gateway.DisposeAsync();
            await _upstream.DisposeAsync();
        }

        // The HTTP tool's and the model's upstream: each answer carries the credential it was sent, in every spelling.
        private static void MapReflector(WebApplication app)
        {
            app.MapGet("/echo/{mode}", async (HttpContext context, string mode) =>
            {
                var bare = Bare(context);
                context.Response.Headers["X-Echo"] = bare;
                context.Response.Headers["X-Echo-Authorization"] = context.Request.Headers.Authorization.ToString();
                context.Response.Headers["X-Echo-Range"] = "range:" + context.Request.Headers.Range + context.Request.Headers.IfRange;
                context.Response.Headers.SetCookie = "upstream-session=" + bare + "; Path=/";
                switch (mode)
                {
                    case "redirect" or "redirect-backslashes" or "redirect-percent" or "redirect-tab":
                        // Elsewhere, where a client following it would take the agent's request and its person token.
                        context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
                        context.Response.Headers.Location = mode switch
                        {
                            "redirect-backslashes" => @"https:\\elsewhere.example\take",
                            "redirect-percent" => "https://elsewhere%2Eexample/take",
                            "redirect-tab" => "https://elsewhere.exam\tple/take",
                            _ => "https://elsewhere.example/take?k=" + bare,
                        };
                        return;
                    case "created":
                        // The upstream's own URL for what it made, absolute and as the content's location.
                        context.Response.StatusCode = StatusCodes.Status201Created;
                        context.Response.Headers.Location = $"{context.Request.Scheme}://{context.Request.Host}/echo/items/1";
                        context.Response.Headers.ContentLocation = $"http://{context.Request.Host}/echo/items/1";
                        await context.Response.WriteAsJsonAsync(new { id = 1 });
                        return;
                    case "reason":
                        // The status line's reason phrase (HTTP/1.x), which no header or body redaction reads.
                        context.Features.GetRequiredFeature<IHttpResponseFeature>().ReasonPhrase = "you sent " + bare + " for ada@example.com";
                        await context.Response.WriteAsync("still here\n");
                        return;
                    case "text":
                        await context.Response.WriteAsync(string.Join('\n', CredentialEcho.Spellings(bare).Select(s => "you sent " + s)) + "\nstill here\n");
                        return;
                    case "utf16-xml":
                        // What a .NET XmlWriter over UTF-16 writes: a byte-order mark, the charset declared.
                        context.Response.ContentType = "text/xml; charset=utf-16";
                        await context.Response.Body.WriteAsync(Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(
                            "<echo><authorization>" + context.Request.Headers.Authorization + "</authorization><note>still here</note></echo>")).ToArray());
                        return;
                    case "utf16-as-utf8":
                        // UTF-16 (with its byte-order mark) under a charset it is not.
                        context.Response.ContentType = "text/plain; charset=utf-8";
                        await context.Response.Body.WriteAsync(Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("you sent " + context.Request.Headers.Authorization)).ToArray());
                        return;
                    case "windows-1252":
                        // A card number split by 0x96, windows-1252's en dash: a dash to the agent, no separator to a UTF-8 reader.
                        context.Response.ContentType = "text/plain; charset=windows-1252";
                        await context.Response.Body.WriteAsync(Encoding.Latin1.GetBytes("card 4111\u00961111\u00961111\u00961111 you sent " + bare));
                        return;
                    case "us-ascii":
                        // Declared ASCII, the groups split by C2 96: valid UTF-8 (the control U+0096, no separator to the redactor),
                        // "Â–" to an agent that reads US-ASCII as windows-1252, as browsers do.
                        context.Response.ContentType = "text/plain; charset=us-ascii";
                        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes("card 4111\u00961111\u00961111\u00961111 you sent " + bare));
                        return;
                    case "two-charsets" or "charset-unparsed" or "two-content-types":
                        // UTF-8 to a reader of the first charset (U+0096, no separator), "Â–" to one of the last, as some clients read.
                        context.Response.Headers.ContentType = mode switch
                        {
                            "two-charsets" => "text/plain; charset=utf-8; charset=windows-1252",
                            "charset-unparsed" => "text/plain; charset=windows-1252; x=@",
                            _ => new Microsoft.Extensions.Primitives.StringValues(["text/plain; charset=utf-8", "text/plain; charset=windows-1252"]),
                        };
                        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes("card 4111\u00961111\u00961111\u00961111 you sent " + bare));
                        return;
                    case "utf16-json":
                        // JSON with no charset declared, its bytes UTF-16 with no byte-order mark.
                        context.Response.ContentType = "application/json";
                        await context.Response.Body.WriteAsync(Encoding.Unicode.GetBytes(JsonSerializer.Serialize(new { authorization = context.Request.Headers.Authorization.ToString(), bare })));
                        return;
                    case "sse":
                        // The credential split across events, as text data and inside a streamed JSON member.
                        context.Response.ContentType = "text/event-stream";
                        var half = bare.Length / 2;
                        foreach (var data in new[]
                        {
                            "key " + bare[..half], bare[half..] + " end", JsonSerializer.Serialize(new { text = "again " + bare[..3] }),
                            JsonSerializer.Serialize(new { text = bare[3..] + " still here" }),
                        })
                        {
                            await context.Response.WriteAsync("data: " + data + "\n\n");
                            await context.Response.Body.FlushAsync();
                        }

                        return;
                    default:
                        await context.Response.WriteAsJsonAsync(new Dictionary<string, object>
                        {
                            ["bare"] = bare,
                            ["authorization"] = context.Request.Headers.Authorization.ToString(),
                            ["spellings"] = CredentialEcho.Spellings(bare),
                            ["raw"] = JsonEncodedText.Encode(bare, JavaScriptEncoder.Default).Value,
                            [bare] = "as a member name",
                            ["note"] = "still here",
                        });
                        return;
                }
            });
            app.MapPost("/v1/chat/completions", async (HttpContext context) =>
            {
                var bare = Bare(context);
                using var request = await JsonDocument.ParseAsync(context.Request.Body);
                var pieces = new[] { "your key is " + bare[..5], bare[5..12], bare[12..] + ", use it well" };
                if (request.RootElement.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True)
                {
                    context.Response.ContentType = "text/event-stream";
                    foreach (var piece in pieces)
                    {
                        var chunk = JsonSerializer.Serialize(new { id = "c-1", @object = "chat.completion.chunk", model = "gpt-4o", choices = new[] { new { index = 0, delta = new { content = piece } } } });
                        await context.Response.WriteAsync("data: " + chunk + "\n\n");
                        await context.Response.Body.FlushAsync();
                    }

                    await context.Response.WriteAsync("data: [DONE]\n\n");
                    return;
                }

                await context.Response.WriteAsJsonAsync(new
                {
                    id = "c-1",
                    @object = "chat.completion",
                    model = "gpt-4o",
                    choices = new[] { new { index = 0, message = new { role = "assistant", content = string.Concat(pieces) }, finish_reason = "stop" } },
                    usage = new { prompt_tokens = 1, completion_tokens = 1, total_tokens = 2 },
                });
            });
        }

        private static string Bare(HttpContext context) =>
            context.Request.Headers.Authorization.ToString().Replace("Bearer ", string.Empty, StringComparison.Ordinal);
    }
}
