using System.Net;
using System.Reflection;
using Gateway.Admin.Http;
using Gateway.Oversight;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using YamlDotNet.RepresentationModel;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Documentation;

/// <summary>
/// The OpenAPI document the gateway serves at <c>/openapi.yaml</c> describes exactly the admin routes
/// the gateway maps (method, path and the roles each accepts), and its problem schemas list every problem code the
/// gateway sends, so the document cannot drift from the code.
/// </summary>
public sealed class OpenApiDocumentTests : IAsyncLifetime
{
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task ServedDocument_DescribesEveryMappedAdminEndpoint_AndNoOther()
    {
        var paths = await ServedPathsAsync();
        var mapped = MappedAdminOperations();
        var documented = DocumentedAdminOperations(paths);

        Assert.NotEmpty(mapped);
        Assert.Equal(mapped.Keys.Order(StringComparer.Ordinal), documented.Keys.Order(StringComparer.Ordinal));
        foreach (var (operation, roles) in mapped)
        {
            Assert.Equal(roles.Order(StringComparer.Ordinal), documented[operation].Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task ServedDocument_EveryAdminOperation_UsesTheBearerSchemeAndDocumentsProblemResponses()
    {
        var paths = await ServedPathsAsync();

        foreach (var (path, operation, method) in AdminOperations(paths))
        {
            var security = Assert.IsType<YamlSequenceNode>(operation.Children[new YamlScalarNode("security")]);
            Assert.Contains(security.Children.OfType<YamlMappingNode>(), s => s.Children.ContainsKey(new YamlScalarNode("adminBearer")));
            var responses = Assert.IsType<YamlMappingNode>(operation.Children[new YamlScalarNode("responses")]);
            foreach (var status in new[] { "401", "403", "429", "503" })
            {
                Assert.True(responses.Children.ContainsKey(new YamlScalarNode(status)), $"{method} {path} does not document {status}");
            }
        }
    }

    [Fact]
    public async Task ServedDocument_ProblemCodeEnums_ListEveryProblemCode()
    {
        var schemas = (YamlMappingNode)((YamlMappingNode)(await ServedRootAsync()).Children[new YamlScalarNode("components")]).Children[new YamlScalarNode("schemas")];
        var documented = new[] { "Problem", "AdminProblem" }.SelectMany(schema => CodeEnum(schemas, schema)).ToHashSet(StringComparer.Ordinal);
        var codes = typeof(ProblemCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(static f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(static f => (string)f.GetRawConstantValue()!)
            .ToList();

        Assert.NotEmpty(codes);
        var missing = codes.Where(code => !documented.Contains(code)).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "Problem codes the gateway sends that no code enum lists: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task ServedDocument_AdminProblemCodeEnum_ListsTheCodesTheExceptionHandlerAnswersAdminWith()
    {
        // An admin endpoint that fails is answered by the exception handler: 500 internal_error, or a dependency's 503.
        var schemas = (YamlMappingNode)((YamlMappingNode)(await ServedRootAsync()).Children[new YamlScalarNode("components")]).Children[new YamlScalarNode("schemas")];
        var admin = CodeEnum(schemas, "AdminProblem").ToHashSet(StringComparer.Ordinal);

        Assert.Subset(admin, new HashSet<string>([ProblemCodes.InternalError, ProblemCodes.StoreUnavailable, ProblemCodes.AuditUnavailable], StringComparer.Ordinal));
    }

    private async Task<YamlMappingNode> ServedPathsAsync() => (YamlMappingNode)(await ServedRootAsync()).Children[new YamlScalarNode("paths")];

    private async Task<YamlMappingNode> ServedRootAsync()
    {
        using var response = await _gw.Host.Client.GetAsync("/openapi.yaml");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stream = new YamlStream();
        stream.Load(new StringReader(await response.Content.ReadAsStringAsync()));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    // The values of a problem schema's code enum.
    private static IEnumerable<string> CodeEnum(YamlMappingNode schemas, string schema)
    {
        var properties = (YamlMappingNode)((YamlMappingNode)schemas.Children[new YamlScalarNode(schema)]).Children[new YamlScalarNode("properties")];
        var code = (YamlMappingNode)properties.Children[new YamlScalarNode("code")];
        return ((YamlSequenceNode)code.Children[new YamlScalarNode("enum")]).Children.Select(static v => ((YamlScalarNode)v).Value!);
    }

    private Dictionary<string, IReadOnlyList<string>> MappedAdminOperations()
    {
        var operations = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var endpoint in _gw.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var path = "/" + (endpoint.RoutePattern.RawText ?? string.Empty).Trim('/');
            if (!path.StartsWith("/admin/", StringComparison.Ordinal))
            {
                continue;
            }

            var roles = endpoint.Metadata.GetMetadata<AdminRolesMetadata>()?.Roles ?? [];
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
            {
                operations.Add(method + " " + path, roles);
            }
        }

        return operations;
    }

    private static Dictionary<string, IReadOnlyList<string>> DocumentedAdminOperations(YamlMappingNode paths)
    {
        var operations = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (path, operation, method) in AdminOperations(paths))
        {
            var roles = operation.Children.TryGetValue(new YamlScalarNode("x-roles"), out var node)
                ? ((YamlSequenceNode)node).Children.Select(r => ((YamlScalarNode)r).Value!).ToList()
                : [];
            operations.Add(method.ToUpperInvariant() + " " + path, roles);
        }

        return operations;
    }

    private static IEnumerable<(string Path, YamlMappingNode Operation, string Method)> AdminOperations(YamlMappingNode paths)
    {
        foreach (var (key, value) in paths.Children)
        {
            var path = ((YamlScalarNode)key).Value!;
            if (!path.StartsWith("/admin/", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var (method, operation) in ((YamlMappingNode)value).Children)
            {
                var name = ((YamlScalarNode)method).Value!;
                if (name is "get" or "put" or "post" or "delete" or "patch")
                {
                    yield return (path, (YamlMappingNode)operation, name);
                }
            }
        }
    }
}
