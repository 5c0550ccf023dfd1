using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

/// <summary>A tenant file nesting deeper than the loader's bound is refused at its position, never read by recursion.</summary>
public sealed class BundleNestingTests
{
    [Theory]
    [InlineData(65)]
    [InlineData(200_000)]
    public void LoadTenantText_NestedPastTheBound_IsAYamlErrorNotACrash(int depth)
    {
        var yaml = "tenant: t1\nworkspaces: [w]\nx: " + new string('[', depth) + new string(']', depth) + "\n";

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", yaml, Path.GetTempPath());

        var error = Assert.Single(result.Errors);
        Assert.Equal(BundleErrorCodes.YamlSyntax, error.Code);
        Assert.Equal(3, error.Line);
        Assert.Null(result.Tenant);
    }

    [Fact]
    public void LoadTenantText_NestedToTheBound_IsReadOn()
    {
        var yaml = "tenant: t1\nworkspaces: [w]\nx: " + new string('[', PolicyBundleLoader.MaxNesting - 1) + new string(']', PolicyBundleLoader.MaxNesting - 1) + "\n";

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", yaml, Path.GetTempPath());

        Assert.DoesNotContain(result.Errors, e => e.Code == BundleErrorCodes.YamlSyntax);
    }
}
