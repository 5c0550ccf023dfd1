using Gateway.Audit;
using Gateway.Audit.Options;
using Gateway.Oversight.Options;

namespace Gateway.Oversight.Tests.Options;

/// <summary><c>Gateway:Audit:ChainsPerReplica</c> (#71): 1 to 64, checked at start-up (<c>OptionsValidationTests.StartAsync_BadConfiguration_FailsAtStartUp</c>); a replica id never takes a chain's name.</summary>
public sealed class AuditChainsOptionsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(65)]
    public void Validate_ChainsPerReplicaOutOfBounds_IsNamed(int chains)
    {
        var result = new OversightOptionsValidator().Validate(null, new OversightOptions { Audit = new AuditOptions { ChainsPerReplica = chains } });

        Assert.True(result.Failed);
        Assert.StartsWith("Gateway:Audit:ChainsPerReplica must be between 1 and 64", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    public void Validate_ChainsPerReplicaWithinBounds_IsAccepted(int chains) =>
        Assert.True(new OversightOptionsValidator().Validate(null, new OversightOptions { Audit = new AuditOptions { ChainsPerReplica = chains } }).Succeeded);

    [Theory]
    [InlineData(true, 1, 1)]
    [InlineData(true, 2, 1)]
    [InlineData(true, 4, 1)]
    [InlineData(true, 8, 2)]
    [InlineData(true, 16, 4)]
    [InlineData(true, 64, 4)]
    [InlineData(false, 2, 1)]
    [InlineData(false, 16, 1)]
    [InlineData(false, 64, 1)]
    public void DefaultChainsPerReplica_Cores_AQuarterOfThemFromOneToFourOnlyWhereChainsAppendSideBySide(bool sideBySide, int cores, int expected) =>
        Assert.Equal(expected, AuditOptions.DefaultChainsPerReplica(sideBySide, cores));

    [Fact]
    public void Validate_ReplicaIdNamingAChain_IsRefused()
    {
        var result = new OversightOptionsValidator().Validate(null, new OversightOptions { Audit = new AuditOptions { ReplicaId = "gw-1.2" } });

        Assert.True(result.Failed);
        Assert.StartsWith("Gateway:Audit:ReplicaId", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gw-1", true)]
    [InlineData("gw-1.1", true)]
    [InlineData("gw-1.63", true)]
    [InlineData("gw-1.64", false)]
    [InlineData("gw-1.0", false)]
    [InlineData("gw-1.01", false)]
    [InlineData("gw-1.", false)]
    [InlineData(".1", false)]
    [InlineData("gw.1.2", false)]
    [InlineData("gw.+1", false)]
    [InlineData("GW.1", false)]
    public void IsValidReplica_ChainNames_AcceptsAReplicaIdAndAChainNumberOnly(string name, bool valid) =>
        Assert.Equal(valid, AuditPartition.IsValidReplica(name));

    [Fact]
    public void ChainOf_FirstAndLaterChains_TheReplicaIdThenItsNumberedChains()
    {
        Assert.Equal("gw-1", AuditPartition.ChainOf("gw-1", 0));
        Assert.Equal("gw-1.7", AuditPartition.ChainOf("gw-1", 7));
        Assert.Throws<ArgumentOutOfRangeException>(() => AuditPartition.ChainOf("gw-1", 64));
    }
}
