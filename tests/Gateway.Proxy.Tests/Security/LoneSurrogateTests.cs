using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.Tests.A2a;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Proxy.Tests.Interactive;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Gateway.Proxy.Tests.Security;

/// <summary>
/// A body whose JSON escapes a lone UTF-16 surrogate (<c>"\ud800"</c>), on every route that reads one (issue #68): signed, it
/// is that route's malformed body (problem+json <c>malformed_body</c>, OAuth's <c>invalid_client_metadata</c>, the A2A
/// route's own answer to broken JSON); wrongly signed, the signature's 401. A bearer token whose JWS header or payload
/// escapes one is a malformed token (401 <c>access_token_invalid</c>). Never a 500, never an error logged, nothing
/// forwarded.
/// </summary>
public sealed class LoneSurrogateTests : IAsyncLifetime
{
    private readonly FakeLogCollector _errors = new();
    private InteractiveGateway _gw = null!;

    public async Task InitializeAsync()
    {
        _gw = await InteractiveGateway.StartAsync(dynamicRegistration: true, []);
        _gw.Gateway.Host.Services.GetRequiredService<ILoggerFactory>().AddProvider(new FakeLoggerProvider(_errors));
    }

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Theory]
    [InlineData("""{"tool":"crm.read_contact","args":{"id":"\ud800"}}""")]
    [InlineData("""{"tool":"crm.read_contact","args":{"\udc00":"c-1"}}""")]
    [InlineData("""{"tool":"crm.read_contact","args":{"id":"c-1","note":"\ud83d\u0041"}}""")]
    public async Task InvokeTool_LoneSurrogateEscape_Is400MalformedBodyAndNothingIsForwarded(string body)
    {
        var gw = _gw.Gateway;
        var before = gw.Upstream.Received.Count;

        using var response = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", body);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Equal(before, gw.Upstream.Received.Count);
        AssertNoErrors(_errors);
    }

    [Fact]
    public async Task InvokeTool_LoneSurrogateEscapeWronglySigned_Is401SignatureMismatch()
    {
        var gw = _gw.Gateway;
        var before = gw.Upstream.Received.Count;
        var wrong = new AgentClient(gw.Host.Client, "not-the-demo-agents-secret-0123456789");

        using var response = await wrong.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{"id":"\ud800"}}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "signature_mismatch");
        Assert.Equal(before, gw.Upstream.Received.Count);
        AssertNoErrors(_errors);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"notes__find","arguments":{"q":"\ud800"}}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"notes__find","arguments":{"\udc00":"x"}}}""")]
    public async Task Mcp_LoneSurrogateEscape_Is400MalformedBodyAndNothingReachesAServer(string body)
    {
        // Signed by the protocol's signer: the .NET SDK's own secret scan cannot read such a body either.
        using var request = _gw.Gateway.Agent.Create(HttpMethod.Post, "/mcp", body);
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");

        using var response = await _gw.Gateway.Agent.SendAsync(request);

        // A JSON-RPC error under the message's id, in HTTP 400.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(1, answer.RootElement.GetProperty("id").GetInt32());
        Assert.Equal("malformed_body", answer.RootElement.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Empty(_gw.Mcp.Notes.Calls);
        AssertNoErrors(_errors);
    }

    [Fact]
    public async Task Mcp_LoneSurrogateEscapeWronglySigned_Is401AndNothingReachesAServer()
    {
        var wrong = new AgentClient(_gw.Gateway.Host.Client, "not-the-demo-agents-secret-0123456789");
        using var request = wrong.Create(HttpMethod.Post, "/mcp", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"notes__find","arguments":{"q":"\ud800"}}}""");
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");

        using var response = await wrong.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_gw.Mcp.Notes.Calls);
        AssertNoErrors(_errors);
    }

    [Theory]
    [InlineData("eyJhbGciOiJIUzI1NiIsInR5cCI6Ilx1ZDgwMCJ9.e30.AAAA")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJcdWRjMDAifQ.AAAA")]
    public async Task Mcp_BearerTokenEscapingALoneSurrogate_Is401AccessTokenInvalidWithChallenge(string token)
    {
        // The header {"alg":"HS256","typ":"\ud800"} or the payload {"sub":"\udc00"}: a malformed JWS like any other.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);

        using var response = await _gw.Gateway.Host.Client.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "access_token_invalid");
        var challenge = Assert.Single(response.Headers.WwwAuthenticate, static h => h.Scheme == "Bearer");
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Empty(_gw.Mcp.Notes.Calls);
        AssertNoErrors(_errors);
    }

    [Theory]
    [InlineData("""{"client_name":"\ud800","redirect_uris":["http://127.0.0.1/callback"]}""")]
    [InlineData("""{"client_name":"IDE","redirect_uris":["http://127.0.0.1/\udc00"]}""")]
    [InlineData("""{"\ud800":"x","redirect_uris":["http://127.0.0.1/callback"]}""")]
    public async Task Register_LoneSurrogateEscape_Is400InvalidClientMetadataAndRegistersNothing(string body)
    {
        using var response = await _gw.Gateway.Host.Client.PostAsync("/oauth/register", new StringContent(body, Encoding.UTF8, "application/json"));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_client_metadata", json.RootElement.GetProperty("error").GetString());
        Assert.False(json.RootElement.TryGetProperty("client_id", out _));
        AssertNoErrors(_errors);
    }

    [Fact]
    public async Task A2a_LoneSurrogateEscape_IsTheRoutesMalformedBodySignedAnd401WronglySigned()
    {
        await using var setup = await A2aRouteTests.StartAsync();
        var errors = new FakeLogCollector();
        setup.Gateway.Host.Services.GetRequiredService<ILoggerFactory>().AddProvider(new FakeLoggerProvider(errors));
        var body = A2aRouteTests.Message("SendMessage", "summarize", "x").Replace("\"text\":\"x\"", "\"text\":\"\\ud800\"", StringComparison.Ordinal);
        Assert.Contains("\\ud800", body, StringComparison.Ordinal);
        var wrong = new AgentClient(setup.Gateway.Host.Client, "not-the-demo-agents-secret-0123456789");

        using var signed = await setup.Gateway.Agent.PostJsonAsync("/a2a/helper", body);
        using var wronglySigned = await wrong.PostJsonAsync("/a2a/helper", body);

        // The route's answer to a body that is not JSON, whichever form it takes (problem+json or a JSON-RPC error).
        Assert.True(signed.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.OK, signed.StatusCode.ToString());
        using var answer = JsonDocument.Parse(await signed.Content.ReadAsStringAsync());
        var root = answer.RootElement;
        var code = root.TryGetProperty("error", out var error) ? error.GetProperty("data").GetProperty("code").GetString() : root.GetProperty("code").GetString();
        Assert.Equal("malformed_body", code);
        await ProblemAssert.IsProblemAsync(wronglySigned, HttpStatusCode.Unauthorized, "signature_mismatch");
        Assert.Empty(setup.Agent.Received);
        AssertNoErrors(errors);
    }

    // Every entry logged at Error or above, and every exception logged at any level: none.
    private static void AssertNoErrors(FakeLogCollector logs)
    {
        var errors = logs.GetSnapshot().Where(static r => r.Level >= LogLevel.Error || r.Exception is not null).ToList();
        Assert.True(errors.Count == 0, LoggedText.Of(errors));
    }
}
