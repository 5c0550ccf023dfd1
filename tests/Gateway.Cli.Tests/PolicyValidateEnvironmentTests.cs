namespace Gateway.Cli.Tests;

/// <summary>
/// <c>policy validate --env-per-tenant</c>: the gateway's <c>Gateway:Credentials:EnvironmentPerTenant</c> rule (each tenant's
/// <c>env:</c> references name only its own variables, <c>&lt;TENANT&gt;__…</c>; the chart turns it on) applied offline.
/// </summary>
public sealed class PolicyValidateEnvironmentTests
{
    [Fact]
    public async Task Validate_EnvPerTenantAndAnotherVariable_Exits6NamingEachReference()
    {
        var result = await CliRun.RunAsync("policy", "validate", CliRun.ExampleBundle, "--env-per-tenant");

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("credential_env_confined: catalog entry 'tickets.search' credential 'env:TICKETS_TOKEN'", result.Error, StringComparison.Ordinal);
        Assert.Contains("'env:ROGUE_AGENT_SECRET' is not one of tenant 'demo''s variables: they begin DEMO__", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_EnvPerTenantAndOnlyTheTenantsVariables_Exits0()
    {
        var dir = CliRun.CopyBundle(static t => t.Replace("env:TICKETS_TOKEN", "env:DEMO__TICKETS_TOKEN", StringComparison.Ordinal)
            .Replace("env:ROGUE_AGENT_SECRET", "env:DEMO__ROGUE_AGENT_SECRET", StringComparison.Ordinal));

        var result = await CliRun.RunAsync("policy", "validate", dir, "--env-per-tenant");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("ok  demo", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_EnvPerTenantOnTheChartExample_Exits0()
    {
        var result = await CliRun.RunAsync("policy", "validate", Path.Combine(DocumentedCommandLines.RepositoryRoot, "examples", "chart"), "--env-per-tenant");

        Assert.True(result.ExitCode == 0, result.Error);
    }

    [Fact]
    public async Task Validate_EnvPerTenantJson_ListsTheErrors()
    {
        var result = await CliRun.RunAsync("policy", "validate", CliRun.ExampleBundle, "--env-per-tenant", "--json");

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("\"code\": \"credential_env_confined\"", result.Out, StringComparison.Ordinal);
        Assert.Contains("\"ok\": false", result.Out, StringComparison.Ordinal);
    }
}
