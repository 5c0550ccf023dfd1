using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Forward;

/// <summary>
/// A connector whose vault credential was never stored is refused as exactly that (503
/// <c>credential_unavailable</c>, naming the connector), not as an unreachable upstream, and recorded as the outcome of
/// its decision; nothing is forwarded. This copy of the example points the openai connector at a vault entry nobody stored.
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
        // The refusal is the outcome of the recorded decision: 503, nothing forwarded.
        var outcome = await OutcomeAsync(Assert.Single(response.Headers.GetValues("X-Request-Id")));
        Assert.Equal(503, outcome.GetProperty("status_code").GetInt32());
        Assert.False(outcome.GetProperty("invoked").GetBoolean());
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

    /// <summary>The outcome record of <paramref name="requestId"/> (the one after its decision), once it is written.</summary>
    private async Task<JsonElement> OutcomeAsync(string requestId)
    {
        var records = await Eventually.ReturnsAsync(() => _gw.AuditRecordsAsync(requestId), static found => found.Exists(static r => r.TryGetProperty("invoked", out _)),
            TimeSpan.FromSeconds(10), found => $"{found?.Count} records of {requestId}, no outcome among them");
        return Assert.Single(records, static r => r.TryGetProperty("invoked", out _));
    }
}
