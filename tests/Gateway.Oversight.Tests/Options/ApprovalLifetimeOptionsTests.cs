using Gateway.Oversight.Options;

namespace Gateway.Oversight.Tests.Options;

/// <summary>
/// <c>Gateway:Approvals</c>' lifetimes that start-up accepts are ones every approval can be opened under: a warrant of at
/// least one second (a warrant's life is whole seconds), and any request window, which bounds the gateway's own one hour.
/// </summary>
public sealed class ApprovalLifetimeOptionsTests
{
    [Theory]
    [InlineData("00:00:00.5")]
    [InlineData("00:00:00.999")]
    public void Validate_MaxWarrantTtlBelowOneSecond_IsRefused(string ttl)
    {
        var result = new OversightOptionsValidator().Validate(null, With(TimeSpan.Parse(ttl, System.Globalization.CultureInfo.InvariantCulture), maxRequestTtl: null));

        Assert.True(result.Failed);
        Assert.Contains("Gateway:Approvals:MaxWarrantTtl", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MaxRequestTtlBelowTheApprovalWindow_IsAcceptedAsItsBound()
    {
        var result = new OversightOptionsValidator().Validate(null, With(maxWarrantTtl: TimeSpan.FromSeconds(1), maxRequestTtl: TimeSpan.FromMinutes(30)));

        Assert.True(result.Succeeded);
    }

    private static OversightOptions With(TimeSpan maxWarrantTtl, TimeSpan? maxRequestTtl) => new()
    {
        Approvals = new ApprovalOptions { MaxWarrantTtl = maxWarrantTtl, MaxRequestTtl = maxRequestTtl ?? new ApprovalOptions().MaxRequestTtl },
    };
}
