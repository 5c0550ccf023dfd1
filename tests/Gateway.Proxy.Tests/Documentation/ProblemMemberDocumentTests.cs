using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Gateway.Proxy.Tests.Documentation;

/// <summary>
/// Every member the gateway's problem+json refusals of <c>/v1/actions/*</c> carry (a 403 that opened an incident, a 409
/// approval, a 429 rate limit: through the running gateway) is a property of the served OpenAPI <c>Problem</c> schema, and
/// each one beyond RFC 9457's and the contract's own is named in docs/agent-protocol.md.
/// </summary>
public sealed class ProblemMemberDocumentTests
{
    private static readonly HashSet<string> ContractMembers = new(StringComparer.Ordinal)
    {
        "type", "title", "status", "detail", "code", "request_id", "decision", "explanation",
    };

    [Fact]
    public async Task Refusals_EveryMemberTheyWrite_IsInTheProblemSchemaAndTheAgentProtocolDocument()
    {
        await using var gw = await GovernedGateway.StartAsync(static bundle =>
            bundle.Replace("{ scope: agent, agent: demo-agent, limit: 120, window: 1m }", "{ scope: agent, agent: demo-agent, limit: 2, window: 1m }", StringComparison.Ordinal));
        var members = new HashSet<string>(StringComparer.Ordinal);

        using (var incident = await gw.Rogue.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"shell.exec","args":{"cmd":"curl"}}"""))
        {
            AddMembers(members, await ProblemAssert.IsProblemAsync(incident, HttpStatusCode.Forbidden, "blocked_incident_opened"));
        }

        using (var approval = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"payments.refund","args":{"order":"o-1","amount":25}}"""))
        {
            AddMembers(members, await ProblemAssert.IsProblemAsync(approval, HttpStatusCode.Conflict, "approval_required"));
        }

        AddMembers(members, await RateLimitedAsync(gw));

        var schema = await ProblemPropertiesAsync(gw);
        var protocol = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "docs", "agent-protocol.md"));
        Assert.Contains("incident_id", members);
        Assert.Contains("scope", members);
        var notInSchema = members.Where(m => !schema.Contains(m)).Order(StringComparer.Ordinal).ToList();
        var notInProtocol = members.Where(m => !ContractMembers.Contains(m) && !protocol.Contains($"`{m}`", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.True(notInSchema.Count == 0, "Refusal members the Problem schema does not list: " + string.Join(", ", notInSchema));
        Assert.True(notInProtocol.Count == 0, "Refusal members docs/agent-protocol.md does not name: " + string.Join(", ", notInProtocol));
    }

    // Sends the same governed action until the agent's 2-a-minute limit refuses one (at most a few).
    private static async Task<JsonElement> RateLimitedAsync(GovernedGateway gw)
    {
        for (var i = 0; i < 5; i++)
        {
            using var response = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{"id":"c-1"}}""");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.TooManyRequests, "rate_limited");
                Assert.Equal("agent", problem.GetProperty("scope").GetString());
                return problem;
            }
        }

        throw new Xunit.Sdk.XunitException("The agent's rate limit never refused a request.");
    }

    private static void AddMembers(HashSet<string> members, JsonElement problem)
    {
        foreach (var member in problem.EnumerateObject())
        {
            members.Add(member.Name);
        }
    }

    private static async Task<HashSet<string>> ProblemPropertiesAsync(GovernedGateway gw)
    {
        using var response = await gw.Host.Client.GetAsync("/openapi.yaml");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stream = new YamlStream();
        stream.Load(new StringReader(await response.Content.ReadAsStringAsync()));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var schemas = (YamlMappingNode)((YamlMappingNode)root.Children[new YamlScalarNode("components")]).Children[new YamlScalarNode("schemas")];
        var properties = (YamlMappingNode)((YamlMappingNode)schemas.Children[new YamlScalarNode("Problem")]).Children[new YamlScalarNode("properties")];
        return properties.Children.Keys.Select(static k => ((YamlScalarNode)k).Value!).ToHashSet(StringComparer.Ordinal);
    }
}
