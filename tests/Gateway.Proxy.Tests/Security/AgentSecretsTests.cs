using Gateway.Proxy.Security;

namespace Gateway.Proxy.Tests.Security;

public sealed class AgentSecretsTests
{
    private static readonly DateTimeOffset Ends = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly AgentSecret _current = new("current-secret-0123456789");
    private readonly AgentSecret _next = new("next-secret-0123456789");

    [Fact]
    public void AcceptedAt_UpToRotationEnds_IsBothSecrets()
    {
        var secrets = new AgentSecrets(_current, _next, Ends);

        Assert.Equal((_current, _next), secrets.AcceptedAt(Ends.AddSeconds(-1)));
        Assert.Equal((_current, _next), secrets.AcceptedAt(Ends));
    }

    [Fact]
    public void AcceptedAt_AfterRotationEnds_IsTheNextSecretAsTheCurrentOne()
    {
        var secrets = new AgentSecrets(_current, _next, Ends);

        Assert.Equal((_next, (AgentSecret?)null), secrets.AcceptedAt(Ends.AddTicks(1)));
    }

    [Fact]
    public void AcceptedAt_NoRotation_IsTheCurrentSecretAlone()
    {
        Assert.Equal((_current, (AgentSecret?)null), new AgentSecrets(_current, null, Ends).AcceptedAt(Ends.AddDays(1)));
        Assert.Equal((_current, _next), new AgentSecrets(_current, _next, null).AcceptedAt(DateTimeOffset.MaxValue));
    }

    [Fact]
    public void Fingerprint_SameSecret_IsTheSameAndRevealsNothingOfIt()
    {
        var fingerprint = _current.Fingerprint;

        Assert.Equal(fingerprint, new AgentSecret("current-secret-0123456789").Fingerprint);
        Assert.NotEqual(fingerprint, _next.Fingerprint);
        Assert.Matches("^[0-9a-f]{32}$", fingerprint);
        Assert.DoesNotContain("current", fingerprint, StringComparison.Ordinal);
    }
}
