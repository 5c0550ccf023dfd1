using System.Globalization;

namespace Gamut.Agent;

/// <summary>
/// Bounds each request's wait for its answer (status and headers) by the client's <see cref="GamutOptions.Timeout"/>, as
/// every other call of <see cref="GamutClient"/> is bounded: no answer within it is a <see cref="GamutTimeoutException"/>
/// (not retried), the caller's cancellation stays an <see cref="OperationCanceledException"/>, and a streamed body then
/// flows for as long as it lasts.
/// </summary>
internal sealed class GamutTimeoutHandler(TimeSpan timeout, TimeProvider time, HttpMessageHandler innerHandler) : DelegatingHandler(innerHandler)
{
    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var timeoutSource = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            return await base.SendAsync(request, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException error) when (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new GamutTimeoutException($"No answer from the gateway within {timeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms; the call is not retried.", error);
        }
    }
}
