using System.Text.RegularExpressions;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Documentation;

/// <summary>
/// The tenant files a documented <c>helm … --set-file policy.bundle.NAME=PATH</c> puts in the chart's policy ConfigMap load in a
/// gateway configured as the chart's Deployment configures it (its credentials root and <c>EnvironmentPerTenant</c>, read from
/// the chart), with nothing beside them, as in the ConfigMap: the documented install starts.
/// </summary>
public sealed partial class ChartSetFileBundleTests
{
    [Theory]
    [InlineData("charts/gateway/README.md")]
    [InlineData("docs/operations.md")]
    public async Task Document_SetFileBundleUnderTheChartsCredentialSettings_Loads(string document)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, document));
        var files = SetFileBundle().Matches(text)
            .Select(static m => (Name: EscapedDot().Replace(m.Groups["key"].Value, "."), Path: m.Groups["path"].Value))
            .Distinct()
            .ToList();
        Assert.NotEmpty(files);
        var bundle = Directory.CreateTempSubdirectory("chart-bundle-").FullName;
        try
        {
            foreach (var (name, path) in files)
            {
                File.Copy(Path.Combine(RepositoryRoot.Path, path), Path.Combine(bundle, name));
            }

            await using var gateway = await GatewayHost.StartAsync(bundle, ChartCredentialSettings());

            var policy = gateway.Services.GetRequiredService<PolicyProvider>().Current;
            Assert.NotNull(policy);
            Assert.Equal(files.Count, policy.Set.Tenants.Count);
        }
        finally
        {
            Directory.Delete(bundle, recursive: true);
        }
    }

    [Fact]
    public void ChartCredentialSettings_ReadFromTheChart_AreTheRootAndEnvironmentPerTenant()
    {
        var settings = ChartCredentialSettings();

        Assert.Equal("/var/run/gateway/credentials", settings["Gateway:Credentials:Root"]);
        Assert.Equal("true", settings["Gateway:Credentials:EnvironmentPerTenant"]);
    }

    /// <summary>What the chart's Deployment sets by default: Gateway__Credentials__Root and Gateway__Credentials__EnvironmentPerTenant (from values.yaml).</summary>
    private static Dictionary<string, string?> ChartCredentialSettings()
    {
        var deployment = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "charts/gateway/templates/deployment.yaml"));
        var values = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "charts/gateway/values.yaml"));
        var root = CredentialsRoot().Match(deployment);
        var perTenant = EnvironmentPerTenantFromValues().Match(deployment);
        var perTenantDefault = EnvironmentPerTenantDefault().Match(values);
        Assert.True(root.Success && perTenant.Success && perTenantDefault.Success, "the chart no longer sets the credentials root and EnvironmentPerTenant as this test reads them");
        return new()
        {
            ["Gateway:Credentials:Root"] = root.Groups[1].Value,
            ["Gateway:Credentials:EnvironmentPerTenant"] = perTenantDefault.Groups[1].Value,
        };
    }

    // --set-file policy.bundle.demo\\.yaml=PATH (README, inside a code block) or 'policy.bundle.demo\.yaml=PATH' (operations.md).
    [GeneratedRegex(@"--set-file\s+'?policy\.bundle\.(?<key>(?:\\+\.|[^=\s'\\])+)=(?<path>[^\s'`]+)")]
    private static partial Regex SetFileBundle();

    [GeneratedRegex(@"\\+\.")]
    private static partial Regex EscapedDot();

    [GeneratedRegex(@"name: Gateway__Credentials__Root\s+value: (\S+)")]
    private static partial Regex CredentialsRoot();

    [GeneratedRegex(@"name: Gateway__Credentials__EnvironmentPerTenant\s+value: \{\{ \.Values\.credentials\.environmentPerTenant \| quote \}\}")]
    private static partial Regex EnvironmentPerTenantFromValues();

    [GeneratedRegex(@"^credentials:\n(?:(?:  .*|\s*)\n)*?  environmentPerTenant: (\w+)", RegexOptions.Multiline)]
    private static partial Regex EnvironmentPerTenantDefault();
}
