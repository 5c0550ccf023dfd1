using System.ClientModel;
using System.ClientModel.Primitives;
using Gamut.Agent;
using OpenAI;
using OpenAI.Chat;

namespace Gateway.Proxy.Tests.EndToEnd;

/// <summary>
/// The official .NET <c>OpenAI</c> client, signed by the agent SDK's <see cref="GamutSigningHandler"/>,
/// pointed at <c>make run</c>'s own gateway and demo OpenAI upstream through <c>/providers/openai</c>:
/// a chat call and a streamed chat call complete with the demo model's answer, and a blocked call
/// surfaces the gateway's refusal code and message.
/// </summary>
public sealed class MakeRunOpenAIClientTests : IClassFixture<MakeRunDemo>
{
    /// <summary>What the demo upstream (examples/DemoUpstreams) answers, word by word, for a model.</summary>
    private static readonly string[] DemoWords = ["Hello", " from", " the", " demo", " model", " (", "gpt-4o", ")."];

    private readonly MakeRunDemo _demo;

    public MakeRunOpenAIClientTests(MakeRunDemo demo) => _demo = demo;

    [Fact]
    public async Task CompleteChat_ThroughMakeRun_ReturnsTheDemoModelsAnswer()
    {
        using var http = SignedClient("demo-agent", MakeRunDemo.DemoAgentSecret);

        ChatCompletion completion = await Chat(http).CompleteChatAsync([new UserChatMessage("Say hello.")]);

        Assert.Equal(string.Concat(DemoWords), completion.Content[0].Text);
        Assert.Equal(12 + DemoWords.Length, completion.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task CompleteChatStreaming_ThroughMakeRun_StreamsEveryWordInOrder()
    {
        using var http = SignedClient("demo-agent", MakeRunDemo.DemoAgentSecret);
        var pieces = new List<string>();
        ChatTokenUsage? usage = null;

        await foreach (var update in Chat(http).CompleteChatStreamingAsync([new UserChatMessage("Say hello.")]))
        {
            pieces.AddRange(update.ContentUpdate.Select(static part => part.Text));
            usage ??= update.Usage;
        }

        Assert.Equal(DemoWords, pieces);
        Assert.Equal(12 + DemoWords.Length, usage?.TotalTokenCount);
    }

    [Fact]
    public async Task CompleteChat_RogueAgentThroughMakeRun_ShowsTheGatewaysRefusalCodeAndMessage()
    {
        using var http = SignedClient("rogue-agent", _demo.RogueAgentSecret);

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => Chat(http).CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(403, refused.Status);
        Assert.Contains("blocked_incident_opened", refused.Message, StringComparison.Ordinal);
        Assert.Contains("The action is blocked and an incident was opened.", refused.Message, StringComparison.Ordinal);
    }

    private ChatClient Chat(HttpClient http) => new("gpt-4o", new ApiKeyCredential("unused-by-the-gateway"), new OpenAIClientOptions
    {
        Endpoint = new Uri(_demo.Gateway, "/providers/openai"),
        Transport = new HttpClientPipelineTransport(http),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    });

    private HttpClient SignedClient(string agent, string secret) => new(new GamutSigningHandler(new GamutOptions
    {
        BaseUrl = _demo.Gateway.ToString(),
        Tenant = "demo",
        Workspace = "ws-demo",
        AgentId = agent,
        Secret = secret,
    }))
    {
        Timeout = TimeSpan.FromSeconds(60),
    };
}
