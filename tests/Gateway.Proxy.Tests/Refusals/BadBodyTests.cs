using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Proxy.Tests.Interactive;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Gateway.Proxy.Tests.Refusals;

/// <summary>
/// Bodies read outside the governance stages that the server or the form reader refuses (a form past its limits, broken
/// chunked framing, a body that stops arriving) are a 4xx in each route's own format, never a 500 and never an error
/// logged: the back-channel logout's JSON error, the console's refusal page, the admin API's problem, OAuth's error.
/// </summary>
public sealed class BadBodyTests : IAsyncLifetime
{
    private const string FormType = "application/x-www-form-urlencoded";

    private readonly FakeLogCollector _logs = new();
    private InteractiveGateway _gw = null!;

    public async Task InitializeAsync()
    {
        _gw = await InteractiveGateway.StartAsync(dynamicRegistration: true, []);
        _gw.Gateway.Host.Services.GetRequiredService<ILoggerFactory>().AddProvider(new FakeLoggerProvider(_logs));
    }

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task BackChannelLogout_FormOfMoreThan1024Fields_Is400InvalidRequest()
    {
        using var response = await PostAsync("/console/demo/backchannel-logout", string.Concat(Enumerable.Repeat("a=1&", 1025)), FormType);

        await AssertLogoutRefusedAsync(response);
    }

    [Fact]
    public async Task BackChannelLogout_FormKeyLongerThan2048Chars_Is400InvalidRequest()
    {
        using var response = await PostAsync("/console/demo/backchannel-logout", new string('k', 2049) + "=1", FormType);

        await AssertLogoutRefusedAsync(response);
    }

    [Fact]
    public async Task TokenSignIn_FormOfMoreThan1024Fields_Is400NotA500()
    {
        using var response = await PostAsync("/console/demo/token-sign-in", string.Concat(Enumerable.Repeat("a=1&", 1025)), FormType);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Contains("malformed_body", text, StringComparison.Ordinal);
        AssertNoErrors();
    }

    [Fact]
    public async Task AdminIssueToken_ChunkedBodyWithABadChunkSize_Is400ProblemNotA500()
    {
        await using var connection = await RawHttpConnection.OpenAsync(_gw.Gateway.Host.BaseAddress);
        var head = "POST /admin/v1/tokens HTTP/1.1\r\nHost: " + _gw.Gateway.Host.BaseAddress.Authority + "\r\n"
            + "Authorization: Bearer " + GovernedGateway.AdminToken + "\r\nContent-Type: application/json\r\n"
            + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n";
        await connection.WriteBodyAsync(Encoding.ASCII.GetBytes(head));

        var answer = await connection.ReadAnswerAsync();

        Assert.StartsWith("HTTP/1.1 400", answer, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", answer, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"invalid_body\"", answer, StringComparison.Ordinal);
        AssertNoErrors();
    }

    [Fact]
    public async Task Register_BodyThatStopsArriving_IsInvalidClientMetadataNotA500()
    {
        // Its Content-Length and 8 bytes, then nothing: the server's minimum data rate ends the read (408 inside Kestrel).
        using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/register")
        {
            Content = new StringContent("""{"redirect_uris":["https://client.example/cb"]}""", Encoding.UTF8, "application/json"),
        };
        await using var connection = await RawHttpConnection.OpenAsync(_gw.Gateway.Host.BaseAddress);
        await connection.WriteAsync(request, "/oauth/register", _gw.Gateway.Host.BaseAddress.Authority, bodyBytes: 8);

        var answer = await connection.ReadAnswerAsync();

        Assert.Matches("^HTTP/1.1 4[0-9][0-9] ", answer);
        Assert.Contains("\"error\":\"invalid_client_metadata\"", answer, StringComparison.Ordinal);
        AssertNoErrors();
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string body, string type)
    {
        using var client = ConsoleHttpClient();
        return await client.PostAsync(path, new StringContent(body, Encoding.ASCII, type));
    }

    private HttpClient ConsoleHttpClient() => new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = _gw.Gateway.Host.BaseAddress };

    private async Task AssertLogoutRefusedAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        using var error = JsonDocument.Parse(text);
        Assert.Equal("invalid_request", error.RootElement.GetProperty("error").GetString());
        AssertNoErrors();
    }

    // Nothing logged at Error or above: a bad body is the client's, not the gateway's failure.
    private void AssertNoErrors()
    {
        var errors = _logs.GetSnapshot().Where(static r => r.Level >= LogLevel.Error).ToList();
        Assert.True(errors.Count == 0, LoggedText.Of(errors));
    }
}
