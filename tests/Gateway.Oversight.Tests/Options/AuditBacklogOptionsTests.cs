using Gateway.Audit.Options;
using Gateway.Oversight.Options;

namespace Gateway.Oversight.Tests.Options;

public sealed class AuditBacklogOptionsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(10_001)]
    public void Validate_BacklogCapacityPerTenantOutOfRange_Fails(int perTenant)
    {
        var result = new OversightOptionsValidator().Validate(null, new OversightOptions { Audit = new AuditOptions { BacklogCapacityPerTenant = perTenant } });

        Assert.True(result.Failed);
        Assert.Contains("Gateway:Audit:BacklogCapacityPerTenant", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10_000)]
    public void Validate_BacklogCapacityPerTenantWithinTheCapacity_Succeeds(int perTenant)
    {
        Assert.True(new OversightOptionsValidator().Validate(null, new OversightOptions { Audit = new AuditOptions { BacklogCapacityPerTenant = perTenant } }).Succeeded);
    }
}
