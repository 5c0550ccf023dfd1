using System.Text;
using System.Text.Json;
using Gateway.Connectors.Envelopes;
using Gateway.Connectors.Kinds;
using Gateway.Policy;

namespace Gateway.Connectors.Tests.Envelopes;

public sealed class UpstreamEnvelopeTests
{
    private static JsonElement Args(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static DegradeSpec Degrade(DegradeMode mode) => new() { Mode = mode };

    private static string BodyOf(UpstreamEnvelope envelope) => Encoding.UTF8.GetString(envelope.Body!);

    private static string? Header(UpstreamEnvelope envelope, string name) =>
        envelope.Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).SingleOrDefault();

    private static CatalogEntry HttpEntry(string method, string template, ArgumentLocation args = ArgumentLocation.Body) => new()
    {
        Name = "orders",
        Kind = ConnectorKind.Http,
        ActionType = ActionType.Read,
        Upstream = new Uri("http://orders.test/api/"),
        Http = new HttpBinding { Method = method, Path = template, Args = args },
    };

    [Fact]
    public void Http_GetWithTemplate_FillsEncodedPathAndQuery()
    {
        var envelope = UpstreamEnvelopes.Build(HttpEntry("GET", "/orders/{id}"), Args("""{"id":"a&b c","status":"open","tags":["x","y"]}"""), null);

        Assert.Equal("GET", envelope.Method);
        Assert.Equal("orders/a%26b%20c", envelope.RelativePath);
        Assert.Equal("status=open&tags=x&tags=y", envelope.Query);
        Assert.Null(envelope.Body);
        Assert.False(ConnectorTypes.Of(ConnectorKind.Http).SignsEnvelopes);
    }

    [Fact]
    public void Http_PostBody_RemainingArgsAsJson()
    {
        var envelope = UpstreamEnvelopes.Build(HttpEntry("POST", "/orders/{id}/notes"), Args("""{"id":42,"note":"hello","n":{"a":1}}"""), null);

        Assert.Equal("POST", envelope.Method);
        Assert.Equal("orders/42/notes", envelope.RelativePath);
        Assert.Equal(string.Empty, envelope.Query);
        Assert.Equal("""{"note":"hello","n":{"a":1}}""", BodyOf(envelope));
    }

    [Fact]
    public void Http_QueryBindingAndGetOrHead_ArgsInQueryNeverBody()
    {
        var post = UpstreamEnvelopes.Build(HttpEntry("post", "/search", ArgumentLocation.Query), Args("""{"q":"a b","n":3,"on":true,"skip":null}"""), null);
        var head = UpstreamEnvelopes.Build(HttpEntry("HEAD", "/orders"), Args("""{"id":7,"ids":[1,2]}"""), null);
        var noArgs = UpstreamEnvelopes.Build(HttpEntry("POST", "/orders"), Args("{}"), null);

        Assert.Equal("POST", post.Method);
        Assert.Equal("q=a%20b&n=3&on=true", post.Query);
        Assert.Null(post.Body);
        Assert.Equal("id=7&ids=1&ids=2", head.Query);
        Assert.Null(head.Body);
        Assert.Null(noArgs.Body);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"id":{"nested":1}}""")]
    public void Http_BadTemplateArgument_ArgumentError(string args) =>
        Assert.Throws<ConnectorArgumentException>(() => UpstreamEnvelopes.Build(HttpEntry("GET", "/orders/{id}"), Args(args), null));

    [Theory]
    [InlineData("DELETE")]
    [InlineData("POST")]
    [InlineData("put")]
    [InlineData("PATCH")]
    public void Http_ReadOnly_WriteVerbRefused(string method)
    {
        var ex = Assert.Throws<DegradeRefusedException>(() => UpstreamEnvelopes.Build(HttpEntry(method, "/orders/{id}"), Args("""{"id":1}"""), Degrade(DegradeMode.ReadOnly)));
        Assert.Equal(DegradeRefusedException.ReadOnlyCode, ex.Code);
    }

    [Fact]
    public void Http_ReadOnly_ReadVerbBuilt()
    {
        var envelope = UpstreamEnvelopes.Build(HttpEntry("GET", "/orders/{id}"), Args("""{"id":1}"""), Degrade(DegradeMode.ReadOnly));

        Assert.Equal("orders/1", envelope.RelativePath);
        Assert.Equal(string.Empty, envelope.Query);
    }

    [Fact]
    public void Http_DryRun_AddsQueryFlag()
    {
        var query = UpstreamEnvelopes.Build(HttpEntry("POST", "/orders", ArgumentLocation.Query), Args("""{"sku":"A1"}"""), Degrade(DegradeMode.DryRun));
        var body = UpstreamEnvelopes.Build(HttpEntry("POST", "/orders"), Args("""{"sku":"A1"}"""), Degrade(DegradeMode.DryRun));

        Assert.Equal("sku=A1&dry_run=true", query.Query);
        Assert.Equal("dry_run=true", body.Query);
        Assert.Equal("""{"sku":"A1"}""", BodyOf(body));
    }

    [Theory]
    [InlineData("""{"sku":"A1","dry_run":false}""", ArgumentLocation.Query)]
    [InlineData("""{"sku":"A1","DryRun":"false"}""", ArgumentLocation.Body)]
    [InlineData("""{"sku":"A1","dry-run":0}""", ArgumentLocation.Body)]
    [InlineData("""{"sku":"A1","dry.run":false}""", ArgumentLocation.Query)]
    public void Http_DryRunWithAnArgumentNamingADryRun_Refused(string args, ArgumentLocation location)
    {
        Assert.Throws<DegradeRefusedException>(() => UpstreamEnvelopes.Build(HttpEntry("POST", "/orders", location), Args(args), Degrade(DegradeMode.DryRun)));
        Assert.Throws<DegradeRefusedException>(() => UpstreamEnvelopes.Build(Webhook(), Args(args), Degrade(DegradeMode.DryRun)));

        // Not degraded, the argument is the agent's to send.
        Assert.Contains("A1", BodyOf(UpstreamEnvelopes.Build(Webhook(), Args(args), null)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"sku":"A1","_method":"DELETE"}""", ArgumentLocation.Query)]
    [InlineData("""{"sku":"A1","_METHOD":"DELETE"}""", ArgumentLocation.Body)]
    [InlineData("""{"sku":"A1",".method":"DELETE"}""", ArgumentLocation.Query)]
    public void Http_MethodOverrideArgument_Refused(string args, ArgumentLocation location)
    {
        Assert.Throws<ConnectorArgumentException>(() => UpstreamEnvelopes.Build(HttpEntry("POST", "/orders", location), Args(args), null));
        Assert.Throws<ConnectorArgumentException>(() => UpstreamEnvelopes.Build(Webhook(), Args(args), null));
    }

    [Theory]
    [InlineData("""{"sku":"A1","amount":1,"AMOUNT":99}""")]
    [InlineData("""{"payment":{"amount":1,"AMOUNT":99999999}}""")]
    [InlineData("""{"lines":[{"sku":"A1"},{"sku":"A2","SKU":"B9"}]}""")]
    [InlineData("""{"to":{"account_id":"a","accountId":"b"}}""")]
    public void Build_ArgumentSpelledTwoWaysAtAnyDepth_IsRefused(string args)
    {
        var http = Assert.Throws<ConnectorArgumentException>(() => UpstreamEnvelopes.Build(HttpEntry("POST", "/orders"), Args(args), null));
        var webhook = Assert.Throws<ConnectorArgumentException>(() => UpstreamEnvelopes.Build(Webhook(), Args(args), null));

        Assert.Contains("spelled two ways", http.Message, StringComparison.Ordinal);
        Assert.Contains("spelled two ways", webhook.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", ArgumentLocation.Body, "to[]")]
    [InlineData("HEAD", ArgumentLocation.Body, "to[0]")]
    [InlineData("POST", ArgumentLocation.Query, "t.o")]
    [InlineData("GET", ArgumentLocation.Body, "t o")]
    [InlineData("GET", ArgumentLocation.Body, "to]")]
    public void Http_QueryBoundArgumentNameAServerReadsAsAnother_IsRefused(string method, ArgumentLocation location, string name)
    {
        var args = Args($$"""{"q":"x",{{JsonSerializer.Serialize(name)}}:"x@gmail.com"}""");

        Assert.Throws<ConnectorArgumentException>(() => UpstreamEnvelopes.Build(HttpEntry(method, "/search", location), args, null));

        // In a JSON body the name is the member it is.
        Assert.Contains("x@gmail.com", BodyOf(UpstreamEnvelopes.Build(HttpEntry("POST", "/search"), args, null)), StringComparison.Ordinal);
    }

    private static CatalogEntry Webhook(ActionType actionType = ActionType.Write) => new()
    {
        Name = "hook",
        Kind = ConnectorKind.Webhook,
        ActionType = actionType,
        Upstream = new Uri("http://receiver.test/hook"),
    };

    [Fact]
    public void Webhook_ArgsPostedAsJsonAndSignedByGateway()
    {
        var envelope = UpstreamEnvelopes.Build(Webhook(), Args("""{"event":"order.created","id":7}"""), null);
        var dryRun = UpstreamEnvelopes.Build(Webhook(), Args("{}"), Degrade(DegradeMode.DryRun));

        Assert.Equal("POST", envelope.Method);
        Assert.Equal(string.Empty, envelope.RelativePath);
        Assert.Equal(string.Empty, envelope.Query);
        Assert.Equal("""{"event":"order.created","id":7}""", BodyOf(envelope));
        Assert.True(ConnectorTypes.Of(ConnectorKind.Webhook).SignsEnvelopes);
        Assert.Equal("dry_run=true", dryRun.Query);
    }

    [Theory]
    [InlineData(ActionType.Write)]
    [InlineData(ActionType.External)]
    [InlineData(ActionType.Delete)]
    public void Webhook_ReadOnly_WriteActionRefused(ActionType actionType) =>
        Assert.Throws<DegradeRefusedException>(() => UpstreamEnvelopes.Build(Webhook(actionType), Args("{}"), Degrade(DegradeMode.ReadOnly)));

    [Fact]
    public void Webhook_ReadOnly_ReadActionBuilt() =>
        Assert.Equal("POST", UpstreamEnvelopes.Build(Webhook(ActionType.Read), Args("{}"), Degrade(DegradeMode.ReadOnly)).Method);

    private static CatalogEntry OpenAi(DegradeSpec? declared = null) => new()
    {
        Name = "openai",
        Kind = ConnectorKind.OpenAI,
        ActionType = ActionType.ModelInference,
        Upstream = new Uri("http://openai.test/v1/"),
        Degrade = declared,
    };

    private static CatalogEntry Anthropic() => new()
    {
        Name = "anthropic",
        Kind = ConnectorKind.Anthropic,
        ActionType = ActionType.ModelInference,
        Upstream = new Uri("http://anthropic.test/v1/"),
    };

    private static DegradeSpec Route(string model, int maxTokens) => new() { Mode = DegradeMode.Route, Route = new DegradeRoute { Model = model, MaxTokens = maxTokens } };

    [Fact]
    public void OpenAi_Json_ChatCompletionsBodyUnchanged()
    {
        var envelope = UpstreamEnvelopes.Build(OpenAi(), Args("""{"model":"big-model","max_tokens":4000,"messages":[]}"""), null);

        Assert.Equal("POST", envelope.Method);
        Assert.Equal("chat/completions", envelope.RelativePath);
        Assert.Equal("""{"model":"big-model","max_tokens":4000,"messages":[]}""", BodyOf(envelope));
        Assert.Equal("application/json", Header(envelope, "Accept"));
        Assert.Null(Header(envelope, "anthropic-version"));
    }

    [Fact]
    public void OpenAi_RouteDegrade_ModelReplacedTokensCapped()
    {
        var decided = UpstreamEnvelopes.Build(OpenAi(), Args("""{"model":"big-model","max_tokens":4000,"messages":[]}"""), Route("small-model", 256));
        var declared = UpstreamEnvelopes.Build(OpenAi(Route("declared-model", 128)), Args("""{"model":"big-model","max_tokens":4000,"messages":[]}"""), Degrade(DegradeMode.Route));

        using var routed = JsonDocument.Parse(decided.Body!);
        Assert.Equal("small-model", routed.RootElement.GetProperty("model").GetString());
        Assert.Equal(256, routed.RootElement.GetProperty("max_tokens").GetInt32());
        using var fallback = JsonDocument.Parse(declared.Body!);
        Assert.Equal("declared-model", fallback.RootElement.GetProperty("model").GetString());
        Assert.Equal(128, fallback.RootElement.GetProperty("max_tokens").GetInt32());
    }

    [Fact]
    public void OpenAi_Streaming_UsageRequestedAndEventStreamAccepted()
    {
        var envelope = UpstreamEnvelopes.Build(OpenAi(), Args("""{"model":"m","stream":true,"messages":[]}"""), null);

        using var body = JsonDocument.Parse(envelope.Body!);
        Assert.True(body.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal("text/event-stream", Header(envelope, "Accept"));
    }

    [Fact]
    public void Anthropic_MessagesWithVersionAndRoute()
    {
        var envelope = UpstreamEnvelopes.Build(Anthropic(), Args("""{"model":"claude-big","max_tokens":1000,"messages":[]}"""), Route("claude-small", 100));

        Assert.Equal("messages", envelope.RelativePath);
        Assert.Equal(UpstreamEnvelopes.AnthropicVersion, Header(envelope, "anthropic-version"));
        Assert.Equal("application/json", Header(envelope, "Accept"));
        using var body = JsonDocument.Parse(envelope.Body!);
        Assert.Equal("claude-small", body.RootElement.GetProperty("model").GetString());
        Assert.Equal(100, body.RootElement.GetProperty("max_tokens").GetInt32());
    }

    [Fact]
    public void Anthropic_Streaming_EventStreamAcceptedBodyUnchanged()
    {
        var envelope = UpstreamEnvelopes.Build(Anthropic(), Args("""{"model":"c","max_tokens":10,"stream":true,"messages":[]}"""), null);

        Assert.Equal("text/event-stream", Header(envelope, "Accept"));
        Assert.Equal("""{"model":"c","max_tokens":10,"stream":true,"messages":[]}""", BodyOf(envelope));
    }

    [Fact]
    public void Model_NotAnObject_ArgumentError() =>
        Assert.Throws<ConnectorArgumentException>(() => UpstreamEnvelopes.Build(OpenAi(), Args("[1]"), null));

    private static CatalogEntry McpTool(ActionType actionType = ActionType.Write, string? tool = "create") => new()
    {
        Name = "create_ticket",
        Kind = ConnectorKind.McpTool,
        ActionType = actionType,
        Connector = "tickets-mcp",
        McpTool = tool,
    };

    [Fact]
    public void McpTool_JsonRpcToolsCallWithNameArgumentsAndId()
    {
        var envelope = UpstreamEnvelopes.Build(McpTool(), Args("""{"title":"t1"}"""), null);
        var next = UpstreamEnvelopes.Build(McpTool(), Args("[]"), null);

        Assert.Equal("POST", envelope.Method);
        Assert.Equal(string.Empty, envelope.RelativePath);
        using var body = JsonDocument.Parse(envelope.Body!);
        var root = body.RootElement;
        Assert.Equal("2.0", root.GetProperty("jsonrpc").GetString());
        Assert.Equal("tools/call", root.GetProperty("method").GetString());
        Assert.Equal("create", root.GetProperty("params").GetProperty("name").GetString());
        Assert.Equal("""{"title":"t1"}""", root.GetProperty("params").GetProperty("arguments").GetRawText());
        Assert.Equal(envelope.JsonRpcId, root.GetProperty("id").GetRawText());
        Assert.Equal("application/json, text/event-stream", Header(envelope, "Accept"));
        Assert.Equal(UpstreamEnvelopes.McpProtocolVersion, Header(envelope, "MCP-Protocol-Version"));
        Assert.NotEqual(envelope.JsonRpcId, next.JsonRpcId);
        using var nextBody = JsonDocument.Parse(next.Body!);
        Assert.Equal("{}", nextBody.RootElement.GetProperty("params").GetProperty("arguments").GetRawText());
    }

    [Fact]
    public void McpTool_ReadOnly_WriteToolRefusedReadToolBuilt()
    {
        Assert.Throws<DegradeRefusedException>(() => UpstreamEnvelopes.Build(McpTool(), Args("{}"), Degrade(DegradeMode.ReadOnly)));
        Assert.NotNull(UpstreamEnvelopes.Build(McpTool(ActionType.Read), Args("{}"), Degrade(DegradeMode.ReadOnly)).JsonRpcId);
    }

    [Theory]
    [InlineData("""{"env":"prod","dry_run":false}""")]
    [InlineData("""{"env":"prod","DryRun":"false"}""")]
    public void McpTool_DryRunWithAnArgumentNamingADryRun_Refused(string args)
    {
        Assert.Throws<DegradeRefusedException>(() => UpstreamEnvelopes.Build(McpTool(), Args(args), Degrade(DegradeMode.DryRun)));
        Assert.NotNull(UpstreamEnvelopes.Build(McpTool(), Args("""{"env":"prod"}"""), Degrade(DegradeMode.DryRun)).JsonRpcId);
    }

    [Fact]
    public void McpTool_NoToolName_ArgumentError() =>
        Assert.Throws<ConnectorArgumentException>(() => UpstreamEnvelopes.Build(McpTool(tool: null), Args("{}"), null));

    private static readonly CatalogEntry Docs = new()
    {
        Name = "docs",
        Kind = ConnectorKind.Context,
        ActionType = ActionType.Context,
        Upstream = new Uri("http://context.test/context"),
    };

    [Fact]
    public void Context_GetOfItsOwnScopeWithEncodedQuery()
    {
        var limited = UpstreamEnvelopes.Build(Docs, Args("""{"scope":"docs","query":"a&b c","max_bytes":30}"""), null);
        var whole = UpstreamEnvelopes.Build(Docs, Args("""{"query":"q","max_bytes":null}"""), null);

        Assert.Equal("GET", limited.Method);
        Assert.Equal(string.Empty, limited.RelativePath);
        Assert.Equal("scope=docs&query=a%26b%20c", limited.Query);
        Assert.Null(limited.Body);
        Assert.Equal(30, limited.ResultLimit);
        Assert.Equal("scope=docs&query=q", whole.Query);
        Assert.Null(whole.ResultLimit);
    }

    [Theory]
    [InlineData("""{"scope":"hr docs","query":"q"}""")]
    [InlineData("""{"scope":7,"query":"q"}""")]
    public void Context_ScopeNamingAnother_IsRefused(string args) =>
        Assert.Throws<ConnectorArgumentException>(() => UpstreamEnvelopes.Build(Docs, Args(args), null));

    [Theory]
    [InlineData("""{"scope":"docs","query":"q","max_bytes":0}""")]
    [InlineData("""{"scope":"docs","query":"q","max_bytes":-5}""")]
    [InlineData("""{"scope":"docs","query":"q","max_bytes":1.5}""")]
    [InlineData("""{"scope":"docs","query":"q","max_bytes":"30"}""")]
    [InlineData("""["s","q"]""")]
    public void Context_BadMaxBytesOrShape_ArgumentError(string args) =>
        Assert.Throws<ConnectorArgumentException>(() => UpstreamEnvelopes.Build(Docs, Args(args), null));

    [Fact]
    public void McpServer_TransparentRouteOnly_ArgumentError() =>
        Assert.Throws<ConnectorArgumentException>(() => UpstreamEnvelopes.Build(
            new CatalogEntry { Name = "tickets-mcp", Kind = ConnectorKind.Mcp, ActionType = ActionType.Read, Upstream = new Uri("http://mcp.test/") },
            Args("{}"),
            null));
}
