using Gateway.Audit.Options;
using Gateway.Oversight.Options;

namespace Gateway.Oversight.Tests.Options;

/// <summary><c>Gateway:Evidence:SignInFlight</c> (#71): only for the audit journal in Redis, checked at start-up.</summary>
public sealed class SignInFlightOptionsTests
{
    [Theory]
    [InlineData(AuditOptions.FileSink, false)]
    [InlineData(AuditOptions.PostgresSink, false)]
    [InlineData(AuditOptions.StoreSink, true)]
    public void Validate_SignInFlightOutsideRedis_IsRefused(string sink, bool embeddedStore)
    {
        var options = new OversightOptions { Audit = new AuditOptions { Sink = sink }, Evidence = new EvidenceOptions { SignInFlight = true } };

        var result = new OversightOptionsValidator(storeRetiresLogs: embeddedStore).Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, static f => f.StartsWith("Gateway:Evidence:SignInFlight needs the audit journal in Redis", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_SignInFlightWithTheJournalInRedis_IsAccepted()
    {
        var options = new OversightOptions { Audit = new AuditOptions { Sink = AuditOptions.StoreSink }, Evidence = new EvidenceOptions { SignInFlight = true } };

        Assert.True(new OversightOptionsValidator(storeRetiresLogs: false).Validate(null, options).Succeeded);
    }
}
