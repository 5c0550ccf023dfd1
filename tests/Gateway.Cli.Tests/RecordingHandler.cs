using System.Net;

namespace Gateway.Cli.Tests;

/// <summary>Records every request instead of sending it (each is answered 503), for tests that assert nothing was sent.</summary>
internal sealed class RecordingHandler : HttpMessageHandler
{
    public List<Uri?> Requests { get; } = [];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Add(request.RequestUri);
        return Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
    }
}
