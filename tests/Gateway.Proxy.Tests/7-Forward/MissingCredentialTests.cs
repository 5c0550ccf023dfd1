using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Forward;

/// <summary>
/// A connector whose vault credential was never stored is refused as exactly that (503
/// <c>credential_unavailable</c>, naming the connector), not as an unreachable upstream; nothing is
/// forwarded. This copy of the example points the openai connector at a vault entry nobody stored.
/// </summary>
public sealed class MissingCredentialTests : IAsyncLifetime
{
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(text =>
    {
        Assert.Contains("credential: vault:openai-key", text, StringComparison.Ordinal);
        return text.Replace("credential: vault:openai-key", "credential: vault:openai-never-stored", StringComparison.Ordinal);
    });

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task Providers_VaultCredentialNeverStored_IsRefusedAsCredentialUnavailable()
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions",
            """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"""));

        var error = await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.ServiceUnavailable, "credential_unavailable");
        Assert.Contains("'openai'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Fact]
    public async Task Model_VaultCredentialNeverStored_IsRefusedAsCredentialUnavailable()
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/model",
            """{"connector":"openai","request":{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "credential_unavailable");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }
}
