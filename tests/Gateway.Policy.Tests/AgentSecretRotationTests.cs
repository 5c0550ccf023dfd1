using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

/// <summary>An agent's <c>next_secret</c> and <c>rotation_ends</c> as read from a bundle (the refusals are in Conformance/invalid.cases.yaml).</summary>
public sealed class AgentSecretRotationTests
{
    [Theory]
    [InlineData("2026-12-01T00:00:00Z", "2026-12-01T00:00:00+00:00")]
    [InlineData("2026-12-01T02:30:00+02:30", "2026-12-01T00:00:00+00:00")]
    [InlineData("2026-12-01T00:00:00.250Z", "2026-12-01T00:00:00.250+00:00")]
    [InlineData("2026-12-01T00:00Z", "2026-12-01T00:00:00+00:00")]
    public void LoadTenantText_NextSecretAndRotationEnds_AreRead(string written, string expected)
    {
        var yaml = $"""
            tenant: t1
            workspaces: [w]
            agents:
              - id: a
                secret: env:AGENT_SECRET
                next_secret: vault:agent-next
                rotation_ends: {written}
            """;

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", yaml, Path.GetTempPath());

        Assert.Empty(result.Errors);
        Assert.True(result.Tenant!.TryGetAgent("a", out var agent));
        Assert.Equal("vault:agent-next", agent!.NextSecret!.ToString());
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), agent.RotationEnds);
    }

    [Fact]
    public void LoadTenantText_NextSecretWithoutEnd_OpensAnUnboundedWindow()
    {
        const string yaml = """
            tenant: t1
            workspaces: [w]
            agents:
              - { id: a, secret: env:AGENT_SECRET, next_secret: env:AGENT_SECRET_NEXT }
            """;

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", yaml, Path.GetTempPath());

        Assert.Empty(result.Errors);
        Assert.True(result.Tenant!.TryGetAgent("a", out var agent));
        Assert.Equal(SecretSource.Environment, agent!.NextSecret!.Source);
        Assert.Null(agent.RotationEnds);
    }
}
