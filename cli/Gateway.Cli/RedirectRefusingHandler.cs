namespace Gateway.Cli;

/// <summary>Turns any 3xx answer (304 aside) into a <see cref="RedirectRefusedException"/>, so that no caller follows it by hand either.</summary>
internal sealed class RedirectRefusingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Check(request, await base.SendAsync(request, cancellationToken).ConfigureAwait(false));

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Check(request, base.Send(request, cancellationToken));

    private static HttpResponseMessage Check(HttpRequestMessage request, HttpResponseMessage response)
    {
        if ((int)response.StatusCode is < 300 or > 399 or 304)
        {
            return response;
        }

        using (response)
        {
            throw new RedirectRefusedException(request.RequestUri, response.StatusCode, response.Headers.Location);
        }
    }
}
