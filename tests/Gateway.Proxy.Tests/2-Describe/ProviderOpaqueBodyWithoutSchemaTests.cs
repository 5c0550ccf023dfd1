using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Proxy.Tests.Security;

namespace Gateway.Proxy.Tests.Describe;

/// <summary>
/// A body on the transparent route that is not a JSON object, to an http or webhook entry with no <c>input_schema</c>
/// (the example bundle's <c>mail.send</c> with its schema taken out): decided on the entry without arguments, as documented.
/// </summary>
public sealed class ProviderOpaqueBodyWithoutSchemaTests : IClassFixture<GlobEvasionTests.Fixture>
{
    private readonly GovernedGateway _gw;

    public ProviderOpaqueBodyWithoutSchemaTests(GlobEvasionTests.Fixture fixture) => _gw = fixture.Gateway;

    [Fact]
    public async Task Providers_PlainTextToAnEntryWithoutAnInputSchema_IsDecidedWithoutArgumentsAsBefore()
    {
        var before = _gw.Upstream.Received.Count;
        using var request = PlainText("hello, not JSON { at all");
        using var other = PlainText("to: someone@gmail.com");

        using var response = await _gw.Agent.SendAsync(request);
        using var otherResponse = await _gw.Agent.SendAsync(other);

        // Decided on the entry, as a call of mail.send is: the demo's external-gate holds it for an approver, nothing sent.
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict, "approval_required");
        await ProblemAssert.IsProblemAsync(otherResponse, HttpStatusCode.Conflict, "approval_required");
        Assert.Equal(before, _gw.Upstream.Received.Count);
        var record = Assert.Single(await _gw.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id"))));
        var otherRecord = Assert.Single(await _gw.AuditRecordsAsync(Assert.Single(otherResponse.Headers.GetValues("X-Request-Id"))));
        Assert.Equal("mail.send", record.GetProperty("tool").GetString());
        Assert.Equal("require_approval", record.GetProperty("decision").GetString());
        Assert.Equal(409, record.GetProperty("status_code").GetInt32());
        // Without arguments: two different texts (one naming the recipient the rule on $.to blocks) are one intent.
        Assert.Equal(record.GetProperty("intent_digest").GetString(), otherRecord.GetProperty("intent_digest").GetString());
    }

    private HttpRequestMessage PlainText(string text)
    {
        var request = _gw.Agent.Create(HttpMethod.Post, "/providers/mail.send", text);
        request.Content!.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");
        return request;
    }
}
