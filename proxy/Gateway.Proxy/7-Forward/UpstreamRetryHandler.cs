using System.Net.Sockets;
using Polly.Retry;
using Polly;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Retries, with Polly, only what is safe to send twice: a request without a body whose connection
/// could not be established (nothing reached the upstream). Two more attempts, 50 ms apart with
/// jitter; anything else fails at once and the forwarder answers for it (502/504, recorded).
/// </summary>
internal sealed class UpstreamRetryHandler : DelegatingHandler
{
    private static readonly ResiliencePipeline<HttpResponseMessage> Pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
        .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = 2,
            Delay = TimeSpan.FromMilliseconds(50),
            BackoffType = DelayBackoffType.Constant,
            UseJitter = true,
            ShouldHandle = new PredicateBuilder<HttpResponseMessage>().Handle<HttpRequestException>(static ex =>
                ex.HttpRequestError == HttpRequestError.ConnectionError && ex.InnerException is SocketException),
        })
        .Build();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        request.Content is null
            ? Pipeline.ExecuteAsync(static (state, token) => new ValueTask<HttpResponseMessage>(state.Handler.BaseSend(state.Request, token)), (Handler: this, Request: request), cancellationToken).AsTask()
            : base.SendAsync(request, cancellationToken);

    private Task<HttpResponseMessage> BaseSend(HttpRequestMessage request, CancellationToken cancellationToken) => base.SendAsync(request, cancellationToken);
}
