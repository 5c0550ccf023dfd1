using Gateway.Connectors.Kinds;
using Gateway.Connectors.Models;
using Gateway.Policy;

namespace Gateway.Connectors.Tests.Kinds;

public sealed class ConnectorTypesTests
{
    private static readonly CatalogEntry TicketsServer = new()
    {
        Name = "tickets",
        Kind = ConnectorKind.Mcp,
        ActionType = ActionType.Read,
        Upstream = new Uri("http://mcp.test/"),
    };

    private static CatalogEntry Tool(string? server) => new()
    {
        Name = "tickets.create",
        Kind = ConnectorKind.McpTool,
        ActionType = ActionType.Write,
        Connector = server,
        McpTool = "create_ticket",
    };

    private static TenantPolicy Tenant(params CatalogEntry[] catalog) =>
        TenantPolicy.Create(new TenantRegister { Tenant = "acme", Catalog = catalog }, new string('0', 64));

    [Fact]
    public void EveryKind_HasExactlyOneType()
    {
        var kinds = Enum.GetValues<ConnectorKind>();

        Assert.Equal(kinds, ConnectorTypes.All.Select(static t => t.Kind));
        Assert.Equal(kinds.Length, ConnectorTypes.All.Select(static t => t.GetType()).Distinct().Count());
        foreach (var kind in kinds)
        {
            Assert.Equal(kind, ConnectorTypes.Of(kind).Kind);
            Assert.Same(ConnectorTypes.Of(kind), new CatalogEntry { Name = "x", Kind = kind, ActionType = ActionType.Read }.Type());
        }
    }

    [Fact]
    public void EveryConcreteConnectorType_IsInTheTable()
    {
        var concrete = typeof(ConnectorType).Assembly.GetTypes()
            .Where(static t => t.IsSubclassOf(typeof(ConnectorType)) && !t.IsAbstract)
            .ToHashSet();

        Assert.True(concrete.SetEquals(ConnectorTypes.All.Select(static t => t.GetType())));
        Assert.All(concrete, static t => Assert.True(t.IsSealed, $"{t.Name} is not sealed"));
    }

    [Fact]
    public void IsModel_EveryKind_AgreesWithThePolicyLibrary()
    {
        foreach (var kind in Enum.GetValues<ConnectorKind>())
        {
            var type = ConnectorTypes.Of(kind);

            Assert.True(kind.IsModel() == type.IsModel, $"{kind}: the policy library says model {kind.IsModel()}, its connector type {type.IsModel}");
            Assert.Equal(kind.IsModel(), type.Applies(DegradeMode.Route));
            Assert.All(Enum.GetValues<DegradeMode>().Where(static m => m != DegradeMode.Route), m => Assert.True(type.Applies(m), $"{kind} refuses {m}"));
        }
    }

    [Fact]
    public void NotAKind_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ConnectorTypes.Of((ConnectorKind)99));

    [Theory]
    [InlineData(ConnectorKind.OpenAI, true, false, false, false, ErrorFormat.OpenAIError, true)]
    [InlineData(ConnectorKind.Anthropic, true, false, false, false, ErrorFormat.AnthropicError, true)]
    [InlineData(ConnectorKind.Http, false, false, false, false, ErrorFormat.Problem, true)]
    [InlineData(ConnectorKind.Webhook, false, false, false, false, ErrorFormat.Problem, true)]
    [InlineData(ConnectorKind.Mcp, false, false, true, false, ErrorFormat.JsonRpc, true)]
    [InlineData(ConnectorKind.McpTool, false, false, false, true, ErrorFormat.Problem, false)]
    [InlineData(ConnectorKind.Context, false, true, false, false, ErrorFormat.Problem, true)]
    [InlineData(ConnectorKind.A2a, false, false, false, true, ErrorFormat.JsonRpc, true)]
    [InlineData(ConnectorKind.A2aSkill, false, false, false, true, ErrorFormat.JsonRpc, false)]
    public void Facts_AsTheSwitchesHadThem(ConnectorKind kind, bool model, bool contextScope, bool mcpServer, bool jsonRpcResult, ErrorFormat errors, bool ownUpstream)
    {
        var type = ConnectorTypes.Of(kind);

        Assert.Equal(model, type.IsModel);
        Assert.Equal(model, type is ModelConnectorType);
        Assert.Equal(contextScope, type.IsContextScope);
        Assert.Equal(mcpServer, type.IsMcpServer);
        Assert.Equal(jsonRpcResult, type.ResultIsJsonRpcReply);
        Assert.Equal(errors, type.ErrorFormat);
        Assert.Equal(ownUpstream, type.HasOwnUpstream);
    }

    [Theory]
    [InlineData(ConnectorKind.OpenAI, "/providers/openai/chat/completions", ModelApi.OpenAIChatCompletions)]
    [InlineData(ConnectorKind.OpenAI, "/providers/openai/v1/responses", ModelApi.OpenAIResponses)]
    [InlineData(ConnectorKind.OpenAI, "/providers/openai/responses/", ModelApi.OpenAIResponses)]
    [InlineData(ConnectorKind.OpenAI, "/providers/openai/v1/Responses//", ModelApi.OpenAIResponses)]
    [InlineData(ConnectorKind.OpenAI, "/providers/openai/embeddings", ModelApi.OpenAIChatCompletions)]
    [InlineData(ConnectorKind.OpenAI, "/providers/openai/v1/completions", ModelApi.OpenAICompletions)]
    [InlineData(ConnectorKind.OpenAI, "/providers/openai/Completions/", ModelApi.OpenAICompletions)]
    [InlineData(ConnectorKind.OpenAI, "/providers/openai/v1/chat/completions/", ModelApi.OpenAIChatCompletions)]
    [InlineData(ConnectorKind.OpenAI, "/providers/openai/v1/precompletions", ModelApi.OpenAIChatCompletions)]
    [InlineData(ConnectorKind.OpenAI, "responses", ModelApi.OpenAIResponses)]
    [InlineData(ConnectorKind.Anthropic, "/providers/claude/messages", ModelApi.AnthropicMessages)]
    [InlineData(ConnectorKind.Anthropic, "/providers/claude/responses", ModelApi.AnthropicMessages)]
    public void ModelApi_ByKindAndPath(ConnectorKind kind, string path, ModelApi expected) =>
        Assert.Equal(expected, ConnectorTypes.Of(kind).ModelApiFor(path));

    [Fact]
    public void ModelApi_NoneForAKindThatIsNoModel() =>
        Assert.All(ConnectorTypes.All.Where(static t => !t.IsModel), static t => Assert.Null(t.ModelApiFor("/v1/responses")));

    [Fact]
    public void ModelKinds_GovernedCallsGoToTheirInferenceEndpoint()
    {
        var openAI = Assert.IsType<OpenAIConnectorType>(ConnectorTypes.Of(ConnectorKind.OpenAI));
        var anthropic = Assert.IsType<AnthropicConnectorType>(ConnectorTypes.Of(ConnectorKind.Anthropic));

        Assert.Equal(("chat/completions", ModelApi.OpenAIChatCompletions), (openAI.InferencePath, openAI.InferenceApi));
        Assert.Equal(("messages", ModelApi.AnthropicMessages), (anthropic.InferencePath, anthropic.InferenceApi));
        Assert.Equal(openAI.InferenceApi, openAI.ModelApiFor(openAI.InferencePath));
        Assert.Equal(anthropic.InferenceApi, anthropic.ModelApiFor(anthropic.InferencePath));
    }

    [Fact]
    public void OnlyAnMcpServerARemoteAgentItsSkillsAndAModel_CannotBeInvoked()
    {
        foreach (var type in ConnectorTypes.All)
        {
            var entry = new CatalogEntry { Name = "svc", Kind = type.Kind, ActionType = ActionType.Read, Connector = "agent" };
            var reason = type.NotInvocableReason(entry);
            if (type.Kind == ConnectorKind.Mcp)
            {
                Assert.Equal("'svc' is an MCP server; invoke one of its tools (kind mcp_tool) instead.", reason);
            }
            else if (type.Kind == ConnectorKind.A2a)
            {
                Assert.Equal("'svc' is a remote agent; send it a message on /a2a/svc naming one of its skills (kind a2a_skill).", reason);
            }
            else if (type.Kind == ConnectorKind.A2aSkill)
            {
                Assert.Equal("'svc' is a skill of remote agent 'agent'; send it a message on /a2a/agent.", reason);
            }
            else if (type.IsModel)
            {
                Assert.Equal("'svc' is a model connector; use /v1/actions/model (or /providers/svc/…).", reason);
            }
            else
            {
                Assert.Null(reason);
            }
        }
    }

    [Theory]
    [InlineData(ConnectorKind.Http, ArgumentLocation.Query, true)]
    [InlineData(ConnectorKind.Http, ArgumentLocation.Body, false)]
    [InlineData(ConnectorKind.Webhook, ArgumentLocation.Query, false)]
    public void QueryCarriesArguments_OnlyForAQueryBoundHttpBinding(ConnectorKind kind, ArgumentLocation args, bool expected)
    {
        var entry = new CatalogEntry
        {
            Name = "search",
            Kind = kind,
            ActionType = ActionType.Read,
            Http = new HttpBinding { Method = "GET", Path = "/search", Args = args },
        };

        Assert.Equal(expected, entry.Type().QueryCarriesArguments(entry));
    }

    [Fact]
    public void McpTool_IsForwardedToItsServer()
    {
        var tool = Tool("tickets");
        var type = tool.Type();

        Assert.Same(TicketsServer, type.ForwardedEntry(Tenant(TicketsServer, tool), tool));
        Assert.Equal("tickets", type.ForwardedConnectorName(tool));
    }

    [Fact]
    public void McpTool_WithoutAServerInService_IsForwardedNowhere()
    {
        var serverWithoutUpstream = TicketsServer with { Upstream = null };

        Assert.Null(Tool("tickets").Type().ForwardedEntry(Tenant(Tool("tickets")), Tool("tickets")));
        Assert.Null(Tool("tickets").Type().ForwardedEntry(Tenant(serverWithoutUpstream, Tool("tickets")), Tool("tickets")));
        Assert.Null(Tool(null).Type().ForwardedEntry(Tenant(TicketsServer), Tool(null)));
        Assert.Null(Tool(null).Type().ForwardedConnectorName(Tool(null)));
    }

    [Fact]
    public void EveryOtherKind_IsForwardedToItself()
    {
        foreach (var type in ConnectorTypes.All.Where(static t => t.HasOwnUpstream))
        {
            var entry = new CatalogEntry { Name = "svc", Kind = type.Kind, ActionType = ActionType.Read, Upstream = new Uri("http://svc.test/") };

            Assert.Same(entry, type.ForwardedEntry(Tenant(entry), entry));
            Assert.Equal("svc", type.ForwardedConnectorName(entry));
        }
    }
}
