using System.ClientModel;
using System.ClientModel.Primitives;
using Gateway.Connectors.Signing;
using OpenAI;
using OpenAI.Chat;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.EndToEnd;

/// <summary>
/// The official .NET <c>OpenAI</c> client, pointed at <c>/providers/openai</c> with a handler that signs
/// each request as the agent protocol says: a chat call and a streamed chat call complete (answers
/// redacted), and a blocked call surfaces the gateway's own code and message.
/// </summary>
public sealed class OpenAIClientTests : IClassFixture<GovernedGatewayFixture>
{
    private readonly GovernedGateway _gw;

    public OpenAIClientTests(GovernedGatewayFixture fixture) => _gw = fixture.Gateway;

    [Fact]
    public async Task CompleteChat_ThroughTheGateway_ReturnsTheUpstreamAnswerRedacted()
    {
        using var http = SignedClient(_gw.Agent);

        ChatCompletion completion = await Chat(http).CompleteChatAsync([new UserChatMessage("Where do I write?")]);

        var text = completion.Content[0].Text;
        Assert.StartsWith("Write to ", text, StringComparison.Ordinal);
        Assert.Contains("[REDACTED:email]", text, StringComparison.Ordinal);
        Assert.DoesNotContain(TestUpstream.Email, text, StringComparison.Ordinal);
        Assert.Equal(12, completion.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task CompleteChatStreaming_ThroughTheGateway_StreamsEveryPieceInOrder()
    {
        using var http = SignedClient(_gw.Agent);
        var pieces = new List<string>();

        await foreach (var update in Chat(http).CompleteChatStreamingAsync([new UserChatMessage("Say something.")]))
        {
            pieces.AddRange(update.ContentUpdate.Select(static part => part.Text));
        }

        Assert.Equal(TestUpstream.StreamPieces, pieces);
    }

    [Fact]
    public async Task CompleteChat_BlockedByPolicy_ShowsTheGatewaysCodeAndMessage()
    {
        var before = _gw.Upstream.To("/v1/chat/completions").Count;
        using var http = SignedClient(_gw.Rogue);

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => Chat(http).CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(403, refused.Status);
        Assert.Contains("blocked_incident_opened", refused.Message, StringComparison.Ordinal);
        Assert.Contains("The action is blocked and an incident was opened.", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, _gw.Upstream.To("/v1/chat/completions").Count);
    }

    private ChatClient Chat(HttpClient http) => new("gpt-4o", new ApiKeyCredential("unused-by-the-gateway"), new OpenAIClientOptions
    {
        Endpoint = new Uri(_gw.Host.BaseAddress, "/providers/openai"),
        Transport = new HttpClientPipelineTransport(http),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    });

    private static HttpClient SignedClient(AgentClient agent) => new(new SigningHandler(agent.Signer) { InnerHandler = new SocketsHttpHandler() })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>Signs each outgoing request over its exact body bytes, as an agent's HTTP stack would.</summary>
    private sealed class SigningHandler(RequestSigner signer) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (request.Content is not null)
            {
                var content = new ByteArrayContent(body);
                foreach (var header in request.Content.Headers)
                {
                    content.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }

                request.Content = content;
            }

            signer.Sign(request, body);
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }
}
