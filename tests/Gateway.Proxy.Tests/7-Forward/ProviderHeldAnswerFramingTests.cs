using System.Net;

namespace Gateway.Proxy.Tests.Forward;

/// <summary>A provider's JSON answer the redactor held whole goes to the agent framed by its length, not chunked.</summary>
public sealed class ProviderHeldAnswerFramingTests(ProviderLinkHeaderTests.Fixture fixture) : IClassFixture<ProviderLinkHeaderTests.Fixture>
{
    [Fact]
    public async Task Providers_JsonAnswerHeldWhole_GoesWithItsContentLength()
    {
        using var response = await fixture.Gateway.Agent.SendAsync(fixture.Gateway.Agent.Create(HttpMethod.Get, "/providers/gh/links"));
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"mode\":\"links\"", System.Text.Encoding.UTF8.GetString(body), StringComparison.Ordinal);
        Assert.NotEqual(true, response.Headers.TransferEncodingChunked);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
    }
}
