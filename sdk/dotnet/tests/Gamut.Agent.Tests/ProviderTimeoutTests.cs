using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using ModelContextProtocol.Client;
using OpenAI.Chat;

namespace Gamut.Agent.Tests;

/// <summary>
/// The bounds of the provider-native clients (the MCP transport, the OpenAI client), against a stand-in gateway (a real
/// Kestrel server on loopback) that holds every request for 30 s before answering: the client's configured timeout and
/// the caller's cancellation apply as on every other call.
/// </summary>
public sealed class ProviderTimeoutTests
{
    private static readonly TimeSpan ServerDelay = TimeSpan.FromSeconds(30);

    private static GamutOptions OptionsFor(Uri gateway, TimeSpan timeout) => new()
    {
        BaseUrl = gateway.GetLeftPart(UriPartial.Authority),
        Tenant = "demo",
        Workspace = "ws-demo",
        AgentId = "demo-agent",
        Secret = "demo-secret-do-not-use-in-production-0123456789",
        Timeout = timeout,
    };

    /// <summary>A gateway that signals each request it receives and answers none within <see cref="ServerDelay"/>.</summary>
    private static Task<KestrelUpstream> SlowGatewayAsync(TaskCompletionSource received) =>
        KestrelUpstream.StartAsync(app => app.Run(async context =>
        {
            received.TrySetResult();
            await Task.Delay(ServerDelay, context.RequestAborted);
        }));

    [Theory]
    [InlineData(null)]
    [InlineData("docs")]
    public async Task CreateMcpTransport_GatewaySlowerThanTimeout_ThrowsGamutTimeoutException(string? connector)
    {
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var gateway = await SlowGatewayAsync(received);
        using var gamut = new GamutClient(OptionsFor(gateway.BaseUri, TimeSpan.FromMilliseconds(300)));
        var transport = connector is null ? gamut.CreateMcpTransport() : gamut.CreateMcpTransport(connector);

        // Far below the 100 s HttpClient default and the MCP SDK's 60 s initialization timeout, far above the 300 ms asked for.
        var error = await Assert.ThrowsAnyAsync<Exception>(() => McpClient.CreateAsync(transport).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal("timeout", Assert.IsType<GamutTimeoutException>(error).Code);
    }

    [Fact]
    public async Task CreateMcpTransport_CallerCancels_ThrowsCancellationNotTimeout()
    {
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var gateway = await SlowGatewayAsync(received);
        using var gamut = new GamutClient(OptionsFor(gateway.BaseUri, TimeSpan.FromSeconds(20)));
        using var cancel = new CancellationTokenSource();

        var connecting = McpClient.CreateAsync(gamut.CreateMcpTransport(), cancellationToken: cancel.Token);
        await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cancel.CancelAsync();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => connecting.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Contains(Chain(error), e => e is OperationCanceledException);
        Assert.DoesNotContain(Chain(error), e => e is GamutTimeoutException);
    }

    [Fact]
    public async Task CreateOpenAIClient_GatewaySlowerThanTimeout_ThrowsAtTheClientsTimeout()
    {
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var gateway = await SlowGatewayAsync(received);
        using var gamut = new GamutClient(OptionsFor(gateway.BaseUri, TimeSpan.FromMilliseconds(300)));
        var chat = gamut.CreateOpenAIClient().GetChatClient("gpt-4o-mini");

        // Far below the pipeline's 100 s default network timeout, far above the 300 ms asked for.
        var error = await Assert.ThrowsAnyAsync<Exception>(() => chat.CompleteChatAsync([new UserChatMessage("hi")]).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.IsNotType<TimeoutException>(error);
        Assert.Contains(Chain(error), e => e is OperationCanceledException);
    }

    private static IEnumerable<Exception> Chain(Exception error)
    {
        for (Exception? current = error; current is not null; current = current.InnerException)
        {
            yield return current;
        }
    }
}
