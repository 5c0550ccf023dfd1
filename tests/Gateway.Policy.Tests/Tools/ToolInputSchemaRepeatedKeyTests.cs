using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Policy.Authoring;
using Gateway.Policy.Bundles;
using Gateway.Policy.Tools;

namespace Gateway.Policy.Tests.Tools;

/// <summary>
/// A key repeated under another YAML tag (<c>!!str maximum</c> after <c>maximum</c>) in an <c>input_schema</c> or a
/// <c>card_key</c> is refused at load (<c>yaml_syntax</c>): as JSON it would be a second member, and readers keep the last.
/// At run time a schema text naming a member twice is not read either.
/// </summary>
public sealed class ToolInputSchemaRepeatedKeyTests
{
    private const string Tenant = """
        tenant: t1
        workspaces: [w]
        catalog:
          - name: payments.refund
            kind: http
            action_type: write
            upstream: "https://payments.example.com/api"
            input_schema: { type: object, properties: { amount: #AMOUNT# } }
        """;

    [Theory]
    [InlineData("{ type: number, maximum: 10000, !!str maximum: 100000000 }", "maximum")]
    [InlineData("{ type: number, !!str type: string }", "type")]
    public void Load_SchemaKeyRepeatedWithAnotherTag_IsRefused(string amount, string key)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant.Replace("#AMOUNT#", amount, StringComparison.Ordinal), Path.GetTempPath());

        Assert.Null(result.Tenant);
        var error = Assert.Single(result.Errors);
        Assert.Equal(BundleErrorCodes.YamlSyntax, error.Code);
        Assert.Contains($"duplicate key '{key}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SchemaKeyOnce_Loads()
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant.Replace("#AMOUNT#", "{ type: number, maximum: 10000 }", StringComparison.Ordinal), Path.GetTempPath());

        Assert.Empty(result.Errors);
    }

    [Fact]
    public void Load_CardKeyMemberRepeatedWithAnotherTag_IsRefused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var point = key.ExportParameters(false).Q;
        var (x, y) = (Base64Url(point.X!), Base64Url(point.Y!));
        var other = Base64Url(new byte[32]);
        var text = $$"""
            tenant: t1
            workspaces: [w]
            catalog:
              - { name: helper, kind: a2a, action_type: read, upstream: "https://helper.example.com/a2a", card_key: { kty: EC, crv: P-256, x: "{{x}}", y: "{{y}}", !!str x: "{{other}}" } }
            """;

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", text, Path.GetTempPath());
        var once = PolicyBundleLoader.LoadTenantText("t1.yaml", text.Replace($", !!str x: \"{other}\"", string.Empty, StringComparison.Ordinal), Path.GetTempPath());

        var error = Assert.Single(result.Errors);
        Assert.Equal(BundleErrorCodes.YamlSyntax, error.Code);
        Assert.Contains("duplicate key 'x'", error.Message, StringComparison.Ordinal);
        Assert.Empty(once.Errors);
    }

    [Fact]
    public void SchemaOf_SchemaTextNamingAMemberTwice_IsNotRead()
    {
        var entry = new CatalogEntry
        {
            Name = "payments.refund",
            Kind = ConnectorKind.Http,
            ActionType = ActionType.Write,
            InputSchema = """{"type":"object","properties":{"amount":{"type":"number","maximum":10000,"maximum":100000000}}}""",
        };

        Assert.ThrowsAny<JsonException>(() => ToolInputRefusal.SchemaOf(entry));
    }

    [Fact]
    public void Convert_KeyRepeatedWithAnotherTag_Throws()
    {
        var node = YamlJson.Parse("{ maximum: 1, !!str maximum: 2 }", out _)!;

        Assert.Equal("maximum", ((YamlDotNet.RepresentationModel.YamlScalarNode)YamlJson.KeyProblem(node)!.Value.Key).Value);
        Assert.ThrowsAny<JsonException>(() => YamlJson.Convert(node));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
