using System.Security.Cryptography;

namespace Gateway.Cli.Tests;

/// <summary><c>gatewayctl agents retire-secret</c> against the real gateway on Kestrel, with and without a rotation under way.</summary>
public sealed class AgentsCommandsTests : IDisposable
{
    private readonly string _variable = "GW_CLI_TEST_NEXT_SECRET_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));

    public AgentsCommandsTests() =>
        Environment.SetEnvironmentVariable(_variable, "demo-agent-next-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));

    public void Dispose() => Environment.SetEnvironmentVariable(_variable, null);

    [Fact]
    public async Task AgentsRetireSecret_DuringRotation_Exits0AndPrintsTheAgent()
    {
        await using var gw = await DemoGateway.StartAsync(text => text.Replace(
            "secret: file:secrets/demo-agent.secret",
            "secret: file:secrets/demo-agent.secret\n    next_secret: env:" + _variable,
            StringComparison.Ordinal));

        var result = await gw.RunAsync(DemoGateway.AdminToken, "agents", "retire-secret", "demo-agent", "--tenant", DemoGateway.Tenant);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("Agent demo-agent of tenant demo: suspended=no, secret revoked=no", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentsRetireSecret_NoRotationUnderWay_Exits1WithTheProblemCode()
    {
        await using var gw = await DemoGateway.StartAsync();

        var result = await gw.RunAsync(DemoGateway.AdminToken, "agents", "retire-secret", "demo-agent", "--tenant", DemoGateway.Tenant);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no_secret_rotation", result.Error, StringComparison.Ordinal);
    }
}
