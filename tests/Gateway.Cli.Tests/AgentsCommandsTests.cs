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

    [Fact]
    public async Task AgentsDelegations_AfterADelegation_ListsTheChildAndRevokeDelegationRemovesIt()
    {
        await using var gw = await DemoGateway.StartAsync();
        var child = await gw.DelegateAsync("""{"name":"researcher","permissions":[{"tool":"crm.read_contact"}],"data_class_ceiling":"internal"}""");

        var listed = await gw.RunAsync(DemoGateway.AdminToken, "agents", "delegations", "demo-agent", "--tenant", DemoGateway.Tenant);
        var revoked = await gw.RunAsync(DemoGateway.AdminToken, "agents", "revoke-delegation", child, "--tenant", DemoGateway.Tenant);
        var after = await gw.RunAsync(DemoGateway.AdminToken, "agents", "delegations", "demo-agent", "--tenant", DemoGateway.Tenant, "--json");

        Assert.True(listed.ExitCode == 0, listed.Error);
        Assert.Contains("Agent demo-agent of tenant demo: 1 live delegation(s)", listed.Out, StringComparison.Ordinal);
        Assert.Contains($"{child} \"researcher\" parent=demo-agent tools=crm.read_contact atf=L3 ceiling=internal may_delegate=no", listed.Out, StringComparison.Ordinal);
        Assert.True(revoked.ExitCode == 0, revoked.Error);
        Assert.Contains($"Revoked 1 delegation(s) under {child} of tenant demo: {child}", revoked.Out, StringComparison.Ordinal);
        Assert.True(after.ExitCode == 0, after.Error);
        using var json = System.Text.Json.JsonDocument.Parse(after.Out);
        Assert.Equal(0, json.RootElement.GetProperty("delegations").GetArrayLength());
    }

    [Fact]
    public async Task AgentsRevokeDelegation_UnknownChild_Exits1WithTheProblemCode()
    {
        await using var gw = await DemoGateway.StartAsync();

        var result = await gw.RunAsync(DemoGateway.AdminToken, "agents", "revoke-delegation", "dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa", "--tenant", DemoGateway.Tenant);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("delegation_not_found", result.Error, StringComparison.Ordinal);
    }
}
