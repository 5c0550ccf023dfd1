using Gateway.Oversight.Options;

namespace Gateway.Oversight.Tests.Options;

public sealed class IncidentOutboxOptionsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(10_001)]
    public void Validate_OutboxCapacityPerTenantOutOfRange_Fails(int perTenant)
    {
        var result = new OversightOptionsValidator().Validate(null, new OversightOptions { Incidents = new IncidentOptions { OutboxCapacityPerTenant = perTenant } });

        Assert.True(result.Failed);
        Assert.Contains("Gateway:Incidents:OutboxCapacityPerTenant", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10_000)]
    public void Validate_OutboxCapacityPerTenantWithinTheCapacity_Succeeds(int perTenant)
    {
        Assert.True(new OversightOptionsValidator().Validate(null, new OversightOptions { Incidents = new IncidentOptions { OutboxCapacityPerTenant = perTenant } }).Succeeded);
    }
}
