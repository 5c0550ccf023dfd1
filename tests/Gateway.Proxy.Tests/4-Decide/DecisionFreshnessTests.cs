using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Telemetry;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Decide;

/// <summary>
/// Decisions are made afresh for every request (no decision cache: deciding locally is cheaper than a
/// store lookup, see docs/performance.md), so no input change can ever be answered with an earlier
/// decision; and bundle hot reload, observed through the running gateway. This copy of the example
/// blocks crm.read_contact when the contact id came from external content (a provenance rule).
/// </summary>
public sealed class DecisionFreshnessTests : IAsyncLifetime
{
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(text =>
    {
        const string Rule = "rules:\n  - id: no-external-contact-ids\n    match:\n      tools: [crm.read_contact]\n"
            + "      provenance: [{ arg_path: \"$.id\", source: [external] }]\n    effect: block\n    reason: external_contact_id\n";
        Assert.Contains("rules:\n", text, StringComparison.Ordinal);
        return text.Replace("rules:\n", Rule, StringComparison.Ordinal);
    });

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task Evaluate_ProvenanceChange_NeverReusesAnAllow()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");
        var plain = """{"tool":"crm.read_contact","args":{"id":"ID"}}""".Replace("ID", id, StringComparison.Ordinal);
        var tainted = """{"tool":"crm.read_contact","args":{"id":"ID"},"provenance":[{"arg_path":"$.id","source":"external"}]}""".Replace("ID", id, StringComparison.Ordinal);
        await EvaluateAsync(plain);

        var second = await EvaluateAsync(tainted, "block");

        Assert.Contains("external_contact_id", second.GetProperty("explanation").GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_DifferentArguments_DoNotShareAToken()
    {
        var first = await EvaluateAsync(ReadContact());
        var second = await EvaluateAsync(ReadContact());

        Assert.NotEqual(DecisionJson.IntentDigest(first), DecisionJson.IntentDigest(second));
        Assert.NotEqual(Token(first), Token(second));
    }

    [Fact]
    public async Task Evaluate_AfterTheBundleChanges_DecidesUnderTheNewPolicy()
    {
        var body = ReadContact();
        var before = await EvaluateAsync(body);

        _gw.Bundle.Rewrite(text => text.Replace("{ scope: tenant, limit: 1000, window: 1m }", "{ scope: tenant, limit: 1001, window: 1m }", StringComparison.Ordinal));
        var after = await WaitForDigestChangeAsync(body, DecisionJson.PolicyDigest(before));

        Assert.NotEqual(Token(before), Token(after));
        Assert.Equal(DecisionJson.IntentDigest(before), DecisionJson.IntentDigest(after));
        Assert.Equal(DecisionJson.PolicyDigest(after), DecisionJson.PolicyDigest(await EvaluateAsync(body)));
    }

    [Fact]
    public async Task HotReload_InvalidBundle_IsRefusedAndTheOldPolicyKeepsServing()
    {
        var body = ReadContact();
        var before = await EvaluateAsync(body);
        var digest = DecisionJson.PolicyDigest(before);

        using var reloads = new MetricCollector<long>(_gw.Host.Services.GetRequiredService<GatewayMetrics>().PolicyReloads);

        _gw.Bundle.Rewrite(text => text.Replace("environment: dev", "environment: dev\nenvironmnet: prod", StringComparison.Ordinal));
        // The gateway's own watcher sees the change and refuses it; reloading by hand then names the errors.
        await Eventually.HoldsAsync(() => reloads.GetMeasurementSnapshot().Any(static m => m.Tags.TryGetValue("result", out var result) && Equals(result, "refused")),
            TimeSpan.FromSeconds(60), () => "the watcher did not refuse the invalid bundle within 60 s; reloads counted: "
                + string.Join(", ", reloads.GetMeasurementSnapshot().Select(static m => string.Join(' ', m.Tags.Select(static t => t.Key + "=" + t.Value)))));
        var errors = await _gw.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync();

        Assert.Contains(errors, e => e.Code == "unknown_key");
        var after = await EvaluateAsync(body);
        Assert.Equal("allow", after.GetProperty("decision").GetString());
        Assert.Equal(digest, DecisionJson.PolicyDigest(after));
        var refusal = await EvaluateAsync("""{"tool":"shell.exec","args":{"cmd":"ls"}}""", "block");
        Assert.Equal(digest, DecisionJson.PolicyDigest(refusal));
    }

    private async Task<JsonElement> WaitForDigestChangeAsync(string body, string digest)
    {
        JsonElement json = default;
        // A liveness bound (fail instead of hang), not a speed requirement: the machine may be loaded.
        await Eventually.HoldsAsync(async () =>
        {
            json = await EvaluateAsync(body);
            return DecisionJson.PolicyDigest(json) != digest;
        }, TimeSpan.FromSeconds(60), "the gateway did not reload the changed bundle within 60 s");
        return json;
    }

    private async Task<JsonElement> EvaluateAsync(string body, string decision = "allow")
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/evaluate", body);
        return await DecisionJson.DecisionAsync(response, decision);
    }

    private static string Token(JsonElement json) => json.GetProperty("decision_token").GetString()!;

    private static string ReadContact() => """{"tool":"crm.read_contact","args":{"id":"ID"}}""".Replace("ID", "c-" + Guid.NewGuid().ToString("N"), StringComparison.Ordinal);
}
