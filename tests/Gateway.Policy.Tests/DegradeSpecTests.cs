using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

/// <summary>A model entry's <c>degrade.route.max_tokens</c> is 1 to 2147483647 (a larger number is refused, never wrapped to 0 or below), and a route names a model or a cap.</summary>
public sealed class DegradeSpecTests
{
    private const string Tenant = """
        tenant: t1
        workspaces: [w]
        catalog:
          - { name: llm, kind: openai, action_type: read, upstream: "https://api.openai.com/v1", degrade: { mode: route, route: { model: gpt-4o-mini, max_tokens: #MAX# } } }
        """;

    [Theory]
    [InlineData("2147483648")]
    [InlineData("4294967296")]
    [InlineData("4294967297")]
    [InlineData("9223372036854775807")]
    public void Load_RouteMaxTokensAboveInt32_IsRefused(string maxTokens)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant.Replace("#MAX#", maxTokens, StringComparison.Ordinal), Path.GetTempPath());

        Assert.Null(result.Tenant);
        var error = Assert.Single(result.Errors);
        Assert.Equal(BundleErrorCodes.ImpossibleValue, error.Code);
        Assert.Contains("max_tokens must be at most 2147483647", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("2147483647", int.MaxValue)]
    public void Load_RouteMaxTokensWithinInt32_IsKept(string maxTokens, int expected)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant.Replace("#MAX#", maxTokens, StringComparison.Ordinal), Path.GetTempPath());

        Assert.Empty(result.Errors);
        Assert.True(result.Tenant!.TryGetCatalogEntry("llm", out var entry));
        Assert.Equal(expected, entry!.Degrade!.Route!.MaxTokens);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{ model: \"  \" }")]
    public void Load_RouteDegradeWithAnEmptyRoute_IsRefused(string route)
    {
        var text = $$"""
            tenant: t1
            workspaces: [w]
            catalog:
              - { name: llm, kind: openai, action_type: read, upstream: "https://api.openai.com/v1", degrade: { mode: route, route: {{route}} } }
            """;

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", text, Path.GetTempPath());

        Assert.Null(result.Tenant);
        var error = Assert.Single(result.Errors);
        Assert.Equal(BundleErrorCodes.MissingRequired, error.Code);
        Assert.Contains("model or max_tokens", error.Message, StringComparison.Ordinal);
    }
}
