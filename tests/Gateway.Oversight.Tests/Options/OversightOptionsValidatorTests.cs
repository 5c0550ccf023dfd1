using Gateway.Oversight.Options;
using Microsoft.Extensions.Configuration;

namespace Gateway.Oversight.Tests.Options;

/// <summary><c>Gateway:Approvals</c>' upper bounds on a request's and a warrant's lifetime hold, a bare number (bound as days) included.</summary>
public sealed class OversightOptionsValidatorTests
{
    [Theory]
    [InlineData("8")]
    [InlineData("7.00:00:01")]
    [InlineData("30")]
    public void Validate_WarrantTtlBeyondAWeek_IsRefused(string ttl)
    {
        var result = new OversightOptionsValidator().Validate(null, Bind(("Approvals:MaxWarrantTtl", ttl)));

        Assert.True(result.Failed);
        Assert.StartsWith("Gateway:Approvals:MaxWarrantTtl must be positive and at most 7 days", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("31")]
    [InlineData("365.00:00:00")]
    public void Validate_RequestTtlBeyondThirtyDays_IsRefused(string ttl)
    {
        var result = new OversightOptionsValidator().Validate(null, Bind(("Approvals:MaxRequestTtl", ttl)));

        Assert.True(result.Failed);
        Assert.StartsWith("Gateway:Approvals:MaxRequestTtl must be positive and at most 30 days", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TtlsAtTheirBoundsAndDefaults_AreAccepted()
    {
        Assert.True(new OversightOptionsValidator().Validate(null, Bind(("Approvals:MaxRequestTtl", "30.00:00:00"), ("Approvals:MaxWarrantTtl", "7.00:00:00"))).Succeeded);
        Assert.True(new OversightOptionsValidator().Validate(null, new OversightOptions()).Succeeded);
    }

    private static OversightOptions Bind(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(static s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build().Get<OversightOptions>()!;
}
