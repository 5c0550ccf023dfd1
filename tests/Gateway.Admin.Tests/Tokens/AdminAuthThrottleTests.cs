using Gateway.Admin.Options;
using Gateway.Admin.Tokens;
using Gateway.Testing;

namespace Gateway.Admin.Tests.Tokens;

/// <summary>
/// The failed-authentication throttle holds at most <see cref="AdminAuthThrottle.MaxEntries"/> windows however many sources
/// fail, sweeps expired ones about one entry per failure rather than all of them on each, and past
/// <see cref="AdminAuthThrottle.MaxAddresses"/> counts a new IPv6 source's failures against its /48, so a guesser rotating
/// through one /48 is still held, and a new IPv4 source's not at all, so no /16 is refused for one guesser in it.
/// </summary>
public sealed class AdminAuthThrottleTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly ManualTimeProvider _clock = new();
    private readonly AdminAuthThrottle _throttle;

    public AdminAuthThrottleTests() =>
        _throttle = new AdminAuthThrottle(_clock, Microsoft.Extensions.Options.Options.Create(new AdminOptions { MaxFailedAuthPerWindow = 3, FailedAuthWindow = Window }));

    [Fact]
    public void RecordFailure_ManySourcesInOneWindow_EntriesStayCapped()
    {
        for (var i = 0; i < 3 * AdminAuthThrottle.MaxEntries; i++)
        {
            _throttle.RecordFailure(Address(i));
        }

        Assert.InRange(_throttle.Entries, 1, AdminAuthThrottle.MaxEntries);
    }

    [Fact]
    public void RecordFailure_NewSourcesOverSeveralWindows_SweepsAFewEntriesPerFailure()
    {
        var failures = 0;
        for (var window = 0; window < 3; window++)
        {
            for (var i = 0; i < AdminAuthThrottle.MaxEntries + 2_000; i++, failures++)
            {
                _throttle.RecordFailure(Address(failures));
            }

            _clock.Advance(Window);
        }

        Assert.InRange(_throttle.SweptEntries, 0, 4L * failures);
        Assert.InRange(_throttle.Entries, 1, AdminAuthThrottle.MaxEntries);
    }

    [Fact]
    public void RetryAfter_ManySlash64sOfOneSlash48PastTheCap_ThrottlesThatSlash48Only()
    {
        for (var i = 0; i < AdminAuthThrottle.MaxAddresses; i++)
        {
            _throttle.RecordFailure(Address(i));
        }

        for (var i = 0; i < 3; i++)
        {
            _throttle.RecordFailure($"2001:db8:7:{i:x}::/64");
        }

        Assert.NotNull(_throttle.RetryAfter("2001:db8:7:ffff::/64"));
        Assert.Null(_throttle.RetryAfter("2001:db8:8::/64"));
        Assert.Null(_throttle.RetryAfter(Address(0)));
        Assert.InRange(_throttle.Entries, 1, AdminAuthThrottle.MaxEntries);
    }

    [Fact]
    public void RetryAfter_PastAddressCap_CleanIpv4SourceInAFailingSlash16_IsNotThrottled()
    {
        for (var i = 0; i < AdminAuthThrottle.MaxAddresses; i++)
        {
            _throttle.RecordFailure($"2001:db8:7:{i:x}::/64");
        }

        for (var i = 0; i < 10; i++)
        {
            _throttle.RecordFailure("198.51.100.7");
        }

        Assert.Null(_throttle.RetryAfter("198.51.100.8"));
    }

    [Fact]
    public void RecordFailure_FullTableAfterItsWindow_CountsNewSourcesByAddressAgain()
    {
        for (var i = 0; i < AdminAuthThrottle.MaxEntries; i++)
        {
            _throttle.RecordFailure(Address(i));
        }

        _clock.Advance(Window);
        for (var i = 0; i < 3; i++)
        {
            _throttle.RecordFailure("203.0.113.9");
        }

        Assert.NotNull(_throttle.RetryAfter("203.0.113.9"));
        Assert.Null(_throttle.RetryAfter("203.0.113.10"));
    }

    // A distinct IPv4 address for each i, each in a /16 of its own (1.0.0.1, 2.0.0.1, … 223.0.0.1, 1.1.0.1, …).
    private static string Address(int i) => $"{1 + (i % 223)}.{i / 223 % 256}.{i / (223 * 256)}.1";
}
