using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Describe;

/// <summary>
/// A body on the transparent route whose declared content type is not JSON: a JSON object all the same gives its
/// arguments (an upstream that reads JSON whatever the header says reads them), one that only a lenient reader takes
/// is refused under any type, as is an XML body or an untyped one that is not JSON, and anything else that is not a JSON
/// object is refused where the entry declares an input_schema (<see cref="ProviderOpaqueBodyWithoutSchemaTests"/>: decided
/// without arguments where it does not).
/// </summary>
public sealed class ProviderUndeclaredBodyTests : IClassFixture<GovernedGatewayFixture>
{
    private readonly GovernedGateway _gw;

    public ProviderUndeclaredBodyTests(GovernedGatewayFixture fixture) => _gw = fixture.Gateway;

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    [InlineData("application/octet-stream")]
    public async Task Providers_ArgumentsARuleBlocksWhateverTheDeclaredContentType_AreBlockedAndNothingForwarded(string contentType)
    {
        var before = _gw.Upstream.Received.Count;
        using var request = _gw.Agent.Create(HttpMethod.Post, "/providers/mail.send", """{"to":"someone@gmail.com","body":"hi"}""");
        request.Content!.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);

        using var response = await _gw.Agent.SendAsync(request);

        // The demo's rule no-mail-to-personal-domains reads $.to: an upstream that reads JSON whatever the header says would.
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "blocked");
        Assert.Contains("personal_mail_domain", problem.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Fact]
    public async Task Providers_UndeclaredJsonWithARepeatedMember_IsRefusedMalformedAndNothingForwarded()
    {
        var before = _gw.Upstream.Received.Count;
        using var request = _gw.Agent.Create(HttpMethod.Post, "/providers/mail.send", """{"to":"a@corp.example","to":"someone@gmail.com","body":"hi"}""");
        request.Content!.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");

        using var response = await _gw.Agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Theory]
    [InlineData("bom", "text/plain")]
    [InlineData("bom", null)]
    [InlineData("nan", "text/plain")]
    [InlineData("utf-16", null)]
    [InlineData("block-comment", "text/plain")]
    [InlineData("line-comment", "text/plain")]
    [InlineData("hash-comment", null)]
    [InlineData("form-feed", "text/plain")]
    [InlineData("no-break-space", "text/plain")]
    public async Task Providers_UndeclaredBodyJsonOnlyToALenientReader_IsRefusedMalformedAndNothingForwarded(string form, string? contentType)
    {
        const string Json = """{"to":"someone@gmail.com","body":"hi"}""";
        var body = form switch
        {
            "bom" => "\uFEFF" + Json,
            "nan" => """{"to":"someone@gmail.com","body":"hi","n":NaN}""",
            "block-comment" => "/**/" + Json,
            "line-comment" => "// a comment Json.NET and Gson skip\n" + Json,
            "hash-comment" => "# Gson's lenient reader skips this\n" + Json,
            "form-feed" => "\f\v" + Json,
            "no-break-space" => "\u00A0\u2028" + Json,
            _ => string.Concat(Json.Select(c => c + "\0")),
        };
        var before = _gw.Upstream.Received.Count;
        using var request = _gw.Agent.Create(HttpMethod.Post, "/providers/mail.send", body);
        request.Content!.Headers.ContentType = contentType is null ? null : new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);

        using var response = await _gw.Agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Theory]
    [InlineData("application/xml", "")]
    [InlineData("text/xml; charset=utf-8", "")]
    [InlineData("application/soap+xml", "")]
    [InlineData("application/xml", "?to=a@corp.example")]
    public async Task Providers_XmlBodyNamingABlockedRecipient_IsRefusedAndNothingForwarded(string contentType, string query)
    {
        // Spring (jackson-dataformat-xml) and ASP.NET Core's XML formatters bind <to> as the argument no rule on $.to saw;
        // with ?to= beside it, the query would be the one decided and the body's the one acted on.
        var before = _gw.Upstream.Received.Count;
        const string Xml = "<mail><to>someone@gmail.com</to><body>hi</body></mail>";
        using var request = _gw.Agent.Create(HttpMethod.Post, "/providers/mail.send" + query, Xml);
        request.Content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(Xml));
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await _gw.Agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Equal(before, _gw.Upstream.Received.Count);
        var record = Assert.Single(await _gw.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id"))));
        Assert.Equal("mail.send", record.GetProperty("tool").GetString());
        Assert.Contains("unsupported_media_type", record.GetProperty("decision").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/providers/mail.send", "text/plain", "to: someone@gmail.com")]
    [InlineData("/providers/mail.send", "text/plain", "hello, not JSON { at all")]
    [InlineData("/providers/mail.send", "application/octet-stream", "to: someone@gmail.com")]
    [InlineData("/providers/mail.send", "application/json", """[{"to":"someone@gmail.com","body":"hi"}]""")]
    [InlineData("/providers/mail.send?to=a@corp.example&body=hi", "text/plain", "to: someone@gmail.com")]
    public async Task Providers_PlainTextToAnEntryWithAnInputSchema_IsRefusedInvalidArguments(string path, string contentType, string text)
    {
        // mail.send declares its arguments (input_schema): a body that is not a JSON object holds arguments no schema
        // or rule on $.to could read, which an upstream may parse all the same. Refused before deciding, as the schema is.
        var before = _gw.Upstream.Received.Count;
        using var request = _gw.Agent.Create(HttpMethod.Post, path, text);
        request.Content!.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);

        using var response = await _gw.Agent.SendAsync(request);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_arguments");
        Assert.Contains("input_schema", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, _gw.Upstream.Received.Count);
        var record = Assert.Single(await _gw.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id"))));
        Assert.Equal("mail.send", record.GetProperty("tool").GetString());
        Assert.Contains("invalid_arguments", record.GetProperty("decision").GetString(), StringComparison.Ordinal);
        Assert.Equal(400, record.GetProperty("status_code").GetInt32());
    }
}
