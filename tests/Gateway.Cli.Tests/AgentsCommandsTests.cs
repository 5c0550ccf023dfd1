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
    public async Task AgentsStatus_RotationWithTheCurrentSecretRetired_ShowsEachSlotByFingerprintNeverTheSecret()
    {
        await using var gw = await DemoGateway.StartAsync(text => text.Replace(
            "secret: file:secrets/demo-agent.secret",
            "secret: file:secrets/demo-agent.secret\n    next_secret: env:" + _variable + "\n    rotation_ends: 2099-01-01T00:00:00Z",
            StringComparison.Ordinal));
        var current = DemoAgentSecret();
        var next = Environment.GetEnvironmentVariable(_variable)!;
        var retired = await gw.RunAsync(DemoGateway.AdminToken, "agents", "retire-secret", "demo-agent", "--tenant", DemoGateway.Tenant);
        Assert.True(retired.ExitCode == 0, retired.Error);

        var result = await gw.RunAsync(DemoGateway.AdminToken, "agents", "status", "demo-agent", "--tenant", DemoGateway.Tenant);
        var json = await gw.RunAsync(DemoGateway.AdminToken, "agents", "status", "demo-agent", "--tenant", DemoGateway.Tenant, "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("Agent demo-agent of tenant demo: suspended=no, secret revoked=no", result.Out, StringComparison.Ordinal);
        Assert.Contains($"  secret current fingerprint={SecretFingerprint(current)} accepted=no retired=yes", result.Out, StringComparison.Ordinal);
        Assert.Contains($"  secret next fingerprint={SecretFingerprint(next)} accepted=yes retired=no rotation_ends=2099-01-01T00:00:00", result.Out, StringComparison.Ordinal);
        Assert.Contains("  live delegations: 0", result.Out, StringComparison.Ordinal);
        foreach (var output in new[] { result.Out, json.Out })
        {
            Assert.DoesNotContain(current, output, StringComparison.Ordinal);
            Assert.DoesNotContain(next, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AgentsStatus_KeyAgentDuringARotation_ShowsBothKeysByKeyIdAndFingerprint()
    {
        await using var gw = await DemoGateway.StartAsync();

        var result = await gw.RunAsync(DemoGateway.AdminToken, "agents", "status", "key-agent", "--tenant", DemoGateway.Tenant);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"  key current key_id=demo-ed25519-2026 alg=ed25519 fingerprint={KeyFingerprint("MCowBQYDK2VwAyEAtmNWMsYVxrpSIVA3WuS9HhQLfsqN7P889Z6SxeV4qv0=")} accepted=yes retired=no", result.Out, StringComparison.Ordinal);
        Assert.Contains("  key next key_id=demo-p256-2026 alg=ecdsa-p256-sha256 fingerprint=", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentsStatus_AfterTwoDelegations_CountsTheLiveDelegationsUntilRevoked()
    {
        await using var gw = await DemoGateway.StartAsync();
        await gw.DelegateAsync("""{"name":"one","permissions":[{"tool":"crm.read_contact"}]}""");
        await gw.DelegateAsync("""{"name":"two","permissions":[{"tool":"crm.read_contact"}]}""");

        var before = await gw.RunAsync(DemoGateway.AdminToken, "agents", "status", "demo-agent", "--tenant", DemoGateway.Tenant);
        await gw.RunAsync(DemoGateway.AdminToken, "agents", "revoke-delegation", "demo-agent", "--tenant", DemoGateway.Tenant);
        var after = await gw.RunAsync(DemoGateway.AdminToken, "agents", "status", "demo-agent", "--tenant", DemoGateway.Tenant);

        Assert.True(before.ExitCode == 0, before.Error);
        Assert.Contains("  live delegations: 2", before.Out, StringComparison.Ordinal);
        Assert.Contains($"  secret current fingerprint={SecretFingerprint(DemoAgentSecret())} accepted=yes retired=no", before.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("secret next", before.Out, StringComparison.Ordinal);
        Assert.Contains("  live delegations: 0", after.Out, StringComparison.Ordinal);
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

    private static string DemoAgentSecret() => File.ReadAllText(Path.Combine(CliRun.ExampleBundle, "secrets", "demo-agent.secret")).Trim();

    // The fingerprints as the gateway defines them (AgentSecret, AgentKey), computed here apart from it.
    private static string SecretFingerprint(string secret) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret), "gamut agent secret fingerprint v1"u8)[..16]);

    private static string KeyFingerprint(string spkiBase64) =>
        Convert.ToHexStringLower(SHA256.HashData([.. "gamut agent key fingerprint v1\0"u8, .. Convert.FromBase64String(spkiBase64)])[..16]);
}
