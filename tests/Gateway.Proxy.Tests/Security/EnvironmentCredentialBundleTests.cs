using Microsoft.Extensions.DependencyInjection;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Security;

/// <summary>Where variables are the tenants' (<c>Gateway:Credentials:EnvironmentPerTenant</c>), a bundle whose <c>env:</c> names another's is refused at load.</summary>
public sealed class EnvironmentCredentialBundleTests : IAsyncLifetime
{
    private DemoBundle _bundle = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _bundle = DemoBundle.Create();
        // The demo's own env: references made the tenant's, as an operator who turns the rule on does.
        _bundle.Rewrite(text => text.Replace("env:TICKETS_TOKEN", "env:DEMO__TICKETS_TOKEN", StringComparison.Ordinal)
            .Replace("env:ROGUE_AGENT_SECRET", "env:DEMO__ROGUE_AGENT_SECRET", StringComparison.Ordinal));
        _gateway = await GatewayHost.StartAsync(_bundle.Directory, new Dictionary<string, string?> { ["Gateway:Credentials:EnvironmentPerTenant"] = "true" });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _bundle.Dispose();
    }

    [Theory]
    [InlineData("credential: vault:crm-token", "credential: env:CRM_TOKEN", "catalog entry 'crm.read_contact' credential")]
    [InlineData("credential: vault:crm-token", "credential: env:OTHER__CRM_TOKEN", "catalog entry 'crm.read_contact' credential")]
    [InlineData("credential: vault:crm-token", "credential: env:DEMO_CRM_TOKEN", "catalog entry 'crm.read_contact' credential")]
    [InlineData("secret: file:secrets/demo-agent.secret", "secret: env:AGENT_SECRET", "agent 'demo-agent' secret")]
    public async Task Reload_EnvReferenceNotTheTenantsOwn_IsRefusedAndTheOldPolicyStays(string written, string replacement, string where)
    {
        var policy = _gateway.Services.GetRequiredService<PolicyProvider>();
        var before = policy.Current;
        Replace(written, replacement);

        var errors = await policy.ReloadAsync();

        var error = Assert.Single(errors, e => e.Code == "credential_env_confined");
        Assert.Contains(where, error.Message, StringComparison.Ordinal);
        Assert.Contains("DEMO__", error.Message, StringComparison.Ordinal);
        Assert.Same(before, policy.Current);
    }

    [Fact]
    public async Task Reload_EnvReferenceOfTheTenant_IsApplied()
    {
        var policy = _gateway.Services.GetRequiredService<PolicyProvider>();
        var before = policy.Current;
        Replace("credential: vault:crm-token", "credential: env:DEMO__CRM_TOKEN");

        Assert.Empty(await policy.ReloadAsync());
        Assert.NotSame(before, policy.Current);
    }

    private void Replace(string written, string replacement) => _bundle.Rewrite(text =>
    {
        var index = text.IndexOf(written, StringComparison.Ordinal);
        Assert.True(index >= 0, written);
        return text[..index] + replacement + text[(index + written.Length)..];
    });
}
