using YamlDotNet.RepresentationModel;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Documentation;

/// <summary>
/// docs/openapi.yaml documents what the agent routes answer beyond the admin API: every signed operation its 401, every
/// signed operation with a body the 408 of a body that does not arrive in time, the governed routes the run refusals
/// (403 <c>run_foreign</c>, 409 <c>run_cancelled</c> and <c>run_ended</c>), every signed operation answered in HTTP the 503
/// of a store it cannot reach (its nonce is kept there), the run routes the 429 of the tenant's rate limits, and the health routes only
/// the methods they map.
/// </summary>
public sealed class AgentRouteOpenApiTests
{
    private static readonly string[] GovernedRoutes =
        ["/v1/evaluate", "/v1/actions/invoke-tool", "/v1/actions/model", "/v1/actions/context", "/v1/actions/writeback"];

    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

    private static readonly YamlMappingNode Root = Load();

    [Fact]
    public void Document_EverySignedOperation_Documents401()
    {
        var missing = SignedOperations().Where(static o => !o.Responses.Children.ContainsKey(new YamlScalarNode("401")))
            .Select(static o => $"{o.Method.ToUpperInvariant()} {o.Path}").ToList();

        Assert.True(missing.Count == 0, "Signed operations that do not document 401: " + string.Join(", ", missing));
    }

    [Fact]
    public void Document_EverySignedOperationWithABody_Documents408RequestTimeout()
    {
        var operations = SignedOperations().Where(static o => o.Operation.Children.ContainsKey(new YamlScalarNode("requestBody"))).ToList();
        var missing = operations.Where(static o => !Describes(o.Responses, "408", "request_timeout"))
            .Select(static o => $"{o.Method.ToUpperInvariant()} {o.Path}").ToList();

        Assert.NotEmpty(operations);
        Assert.True(missing.Count == 0, "Signed operations with a body that do not document 408 request_timeout: " + string.Join(", ", missing));
    }

    [Fact]
    public void Document_GovernedRoutes_DocumentTheRunRefusals()
    {
        var missing = new List<string>();
        foreach (var path in GovernedRoutes)
        {
            var responses = Responses(Operation(path, "post"));
            foreach (var (status, code) in new[] { ("403", "run_foreign"), ("409", "run_cancelled"), ("409", "run_ended") })
            {
                if (!Describes(responses, status, code))
                {
                    missing.Add($"POST {path}: {status} {code}");
                }
            }
        }

        Assert.True(missing.Count == 0, "Run refusals not documented: " + string.Join(", ", missing));
    }

    [Fact]
    public void Document_EverySignedOperation_Documents503()
    {
        // The JSON-RPC routes (/mcp, /a2a) answer a refusal as a JSON-RPC error, which their 200 documents.
        var missing = SignedOperations().Where(static o => !o.Responses.Children.ContainsKey(new YamlScalarNode("503")) && !Describes(o.Responses, "200", "JSON-RPC"))
            .Select(static o => $"{o.Method.ToUpperInvariant()} {o.Path}").ToList();

        Assert.True(missing.Count == 0, "Signed operations that do not document 503: " + string.Join(", ", missing));
    }

    [Theory]
    [InlineData("/v1/runs", "rate_limited")]
    [InlineData("/v1/runs", "run_limit_exceeded")]
    [InlineData("/v1/runs/{id}/events", "rate_limited")]
    public void Document_RunRoutes_Document429(string path, string code) =>
        Assert.True(Describes(Responses(Operation(path, "post")), "429", code), $"POST {path} does not document 429 {code}");

    [Fact]
    public void Document_ProviderRoute_SaysAShortWaitKeepsRetryAfterWithShouldRetryTrue()
    {
        var description = ((YamlScalarNode)Operation("/providers/{connector}/{path}", "post").Children[new YamlScalarNode("description")]).Value!;

        Assert.Contains("x-should-retry: true", description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public void Document_HealthRoutes_ListGetAndHeadOnly(string path)
    {
        var methods = ((YamlMappingNode)Paths().Children[new YamlScalarNode(path)]).Children.Keys
            .Select(static k => ((YamlScalarNode)k).Value!).Where(static m => Methods.Contains(m)).Order(StringComparer.Ordinal);

        Assert.Equal(["get", "head"], methods);
    }

    // The operations the agent must sign: the document's default security (gamutSignature), or one that names it and offers no anonymous {}.
    private static IEnumerable<(string Path, string Method, YamlMappingNode Operation, YamlMappingNode Responses)> SignedOperations()
    {
        foreach (var (key, value) in Paths().Children)
        {
            foreach (var (method, node) in ((YamlMappingNode)value).Children)
            {
                var name = ((YamlScalarNode)method).Value!;
                if (!Methods.Contains(name))
                {
                    continue;
                }

                var operation = (YamlMappingNode)node;
                var signed = !operation.Children.TryGetValue(new YamlScalarNode("security"), out var security)
                    || (((YamlSequenceNode)security).Children.OfType<YamlMappingNode>().Any(static s => s.Children.ContainsKey(new YamlScalarNode("gamutSignature")))
                        && !((YamlSequenceNode)security).Children.OfType<YamlMappingNode>().Any(static s => s.Children.Count == 0));
                if (signed)
                {
                    yield return (((YamlScalarNode)key).Value!, name, operation, Responses(operation));
                }
            }
        }
    }

    // Whether the response for status is documented and its description (the shared response's, for a $ref) names code.
    private static bool Describes(YamlMappingNode responses, string status, string code)
    {
        if (!responses.Children.TryGetValue(new YamlScalarNode(status), out var node))
        {
            return false;
        }

        var response = (YamlMappingNode)node;
        if (response.Children.TryGetValue(new YamlScalarNode("$ref"), out var reference))
        {
            var name = ((YamlScalarNode)reference).Value!.Split('/')[^1];
            response = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)Root.Children[new YamlScalarNode("components")]).Children[new YamlScalarNode("responses")]).Children[new YamlScalarNode(name)];
        }

        return response.Children.TryGetValue(new YamlScalarNode("description"), out var description)
            && ((YamlScalarNode)description).Value!.Contains(code, StringComparison.Ordinal);
    }

    private static YamlMappingNode Operation(string path, string method) =>
        (YamlMappingNode)((YamlMappingNode)Paths().Children[new YamlScalarNode(path)]).Children[new YamlScalarNode(method)];

    private static YamlMappingNode Responses(YamlMappingNode operation) => (YamlMappingNode)operation.Children[new YamlScalarNode("responses")];

    private static YamlMappingNode Paths() => (YamlMappingNode)Root.Children[new YamlScalarNode("paths")];

    private static YamlMappingNode Load()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "openapi.yaml"))));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }
}
