using System.Text;
using System.Text.Json;
using Gateway.Policy.Tokens;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Policy.Tests;

/// <summary>
/// <see cref="DecisionTokenIssuer"/>: what it issues and refuses. The verifier is an upstream's, in the agent SDK
/// (sdk/dotnet, Gamut.Agent.Upstream), which verifies these tokens in <see cref="ExampleBundleTests"/> and the proxy's tests.
/// </summary>
public sealed class DecisionTokenTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("decision-signing-key-for-tests-0123456789");
    private static readonly string Digest = new('a', 64);

    [Fact]
    public void Issue_Allow_IsAV1TokenOfThreePartsForThreeHundredSeconds()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var token = new DecisionTokenIssuer(Key, time).Issue("demo", "demo-agent", "crm.read_contact", Digest, DecisionKind.Allow);

        using var payload = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[1]));

        Assert.StartsWith("v1.", token, StringComparison.Ordinal);
        Assert.Equal(3, token.Split('.').Length);
        Assert.Equal("demo-agent", payload.RootElement.GetProperty("aid").GetString());
        Assert.Equal(300, payload.RootElement.GetProperty("exp").GetInt64() - payload.RootElement.GetProperty("iat").GetInt64());
    }

    [Fact]
    public void Issue_Degrade_MarksDegradedMode()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var token = new DecisionTokenIssuer(Key, time).Issue("demo", "a", "t", Digest, DecisionKind.Degrade, DegradeMode.Redact);

        var payloadJson = Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[1]));

        Assert.Contains("\"deg\":\"redact\"", payloadJson, StringComparison.Ordinal);
        Assert.Contains("\"dec\":\"degrade\"", payloadJson, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DecisionKind.RequireApproval)]
    [InlineData(DecisionKind.Block)]
    [InlineData(DecisionKind.BlockAndOpenIncident)]
    public void Issue_NonAllowDecision_Throws(DecisionKind kind)
    {
        var issuer = new DecisionTokenIssuer(Key, TimeProvider.System);

        Assert.Throws<InvalidOperationException>(() => issuer.Issue("demo", "a", "t", Digest, kind));
    }

    [Fact]
    public void Constructor_LifetimeOverLimit_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecisionTokenIssuer(Key, TimeProvider.System, TimeSpan.FromSeconds(301)));
    }
}
