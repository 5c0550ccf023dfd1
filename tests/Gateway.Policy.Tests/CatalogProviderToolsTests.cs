using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

/// <summary>
/// A model connector's <c>provider_tools</c> as read and validated from a bundle: the tool types the provider runs itself
/// that its requests may name, on model kinds only, each a type name once, never <c>mcp</c>; absent, none.
/// </summary>
public sealed class CatalogProviderToolsTests
{
    private const string Bundle = """
        tenant: t1
        workspaces: [w]
        catalog:
          - { name: read, kind: http, action_type: read, upstream: "http://127.0.0.1:1/r", credential: none #READ# }
          - { name: gpt, kind: openai, action_type: model_inference, upstream: "http://127.0.0.1:1/v1", credential: none #GPT# }
          - { name: claude, kind: anthropic, action_type: model_inference, upstream: "http://127.0.0.1:1/v1", credential: none }
        """;

    [Fact]
    public void LoadTenantText_ProviderTools_AreReadAndAbsentIsNone()
    {
        var yaml = Bundle.Replace("#GPT#", ", provider_tools: [web_search, file_search, web_search_preview_2025_03_11]", StringComparison.Ordinal).Replace("#READ#", string.Empty, StringComparison.Ordinal);

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", yaml, Path.GetTempPath());

        Assert.Empty(result.Errors);
        var catalog = result.Tenant!.Register.Catalog;
        Assert.Equal(["web_search", "file_search", "web_search_preview_2025_03_11"], catalog.Single(e => e.Name == "gpt").ProviderTools);
        Assert.Empty(catalog.Single(e => e.Name == "claude").ProviderTools);
        Assert.Empty(BundleSchemaTests.Validate(yaml));
    }

    [Theory]
    [InlineData(", provider_tools: [mcp]", BundleErrorCodes.InvalidValue, "'mcp' is never allowed")]
    [InlineData(", provider_tools: [mcp_toolset]", BundleErrorCodes.InvalidValue, "'mcp_toolset' is never allowed")]
    [InlineData(", provider_tools: [Web-Search]", BundleErrorCodes.InvalidValue, "'Web-Search' is not a tool type name")]
    [InlineData(", provider_tools: web_search", BundleErrorCodes.InvalidValue, "provider_tools must be a list")]
    [InlineData(", provider_tools: { web_search: true }", BundleErrorCodes.InvalidValue, "provider_tools must be a list")]
    [InlineData(", provider_tools: [web_search, web_search]", BundleErrorCodes.DuplicateId, "'web_search' is listed twice")]
    public void LoadTenantText_BadProviderTools_AreRefused(string tools, string code, string message)
    {
        var yaml = Bundle.Replace("#GPT#", tools, StringComparison.Ordinal).Replace("#READ#", string.Empty, StringComparison.Ordinal);

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", yaml, Path.GetTempPath());

        Assert.Contains(result.Errors, e => e.Code == code && e.Message.Contains(message, StringComparison.Ordinal));
        Assert.Null(result.Tenant);
    }

    [Fact]
    public void LoadTenantText_ProviderToolsOnAnHttpTool_IsRefused()
    {
        var yaml = Bundle.Replace("#READ#", ", provider_tools: [web_search]", StringComparison.Ordinal).Replace("#GPT#", string.Empty, StringComparison.Ordinal);

        var error = Assert.Single(PolicyBundleLoader.LoadTenantText("t1.yaml", yaml, Path.GetTempPath()).Errors);

        Assert.Equal(BundleErrorCodes.InvalidValue, error.Code);
        Assert.Contains("'provider_tools' applies only to model connectors", error.Message, StringComparison.Ordinal);
    }
}
