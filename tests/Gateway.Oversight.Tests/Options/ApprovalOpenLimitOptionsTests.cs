using Gateway.Oversight.Options;

namespace Gateway.Oversight.Tests.Options;

/// <summary><c>Gateway:Approvals:MaxOpenPerAgent</c> is checked at start: at least one, at most the validator's limit.</summary>
public sealed class ApprovalOpenLimitOptionsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(OversightOptionsValidator.MaxOpenPerAgentLimit + 1)]
    public void Validate_MaxOpenPerAgentOutOfRange_FailsNamingTheKey(int value)
    {
        var result = new OversightOptionsValidator().Validate(null, new OversightOptions { Approvals = new ApprovalOptions { MaxOpenPerAgent = value } });

        Assert.True(result.Failed);
        Assert.Contains("Gateway:Approvals:MaxOpenPerAgent", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DefaultMaxOpenPerAgent_Succeeds()
    {
        var options = new OversightOptions();

        Assert.Equal(50, options.Approvals.MaxOpenPerAgent);
        Assert.True(new OversightOptionsValidator().Validate(null, options).Succeeded);
    }
}
