using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Gateway.Proxy.People;
using Gateway.Proxy.People.Links;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Tests.People.Links;

/// <summary>A link's refresh lease against its refresh deadline: no other replica may take the lease while a refresh can still run.</summary>
public sealed class LinkedTokensTests
{
    [Fact]
    public void Lease_ProviderTimeoutAtItsMaximum_OutlastsTheRefreshDeadline()
    {
        var range = typeof(PersonOptions).GetProperty(nameof(PersonOptions.ProviderTimeout))!.GetCustomAttributes(typeof(RangeAttribute), inherit: false)
            .Cast<RangeAttribute>().Single();
        var maximum = TimeSpan.Parse((string)range.Maximum, CultureInfo.InvariantCulture);
        var options = Options.Create(new PersonOptions { ProviderTimeout = maximum });

        var tokens = new LinkedTokens(null!, null!, null!, options, TimeProvider.System, NullLogger<LinkedTokens>.Instance);

        Assert.True(tokens.LeaseLifetime > tokens.RefreshDeadline, $"lease {tokens.LeaseLifetime} vs refresh deadline {tokens.RefreshDeadline} at ProviderTimeout {maximum}");
        Assert.True(tokens.RefreshDeadline >= maximum * 2);
    }
}
