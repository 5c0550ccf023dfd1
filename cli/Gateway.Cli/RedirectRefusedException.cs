using System.Net;

namespace Gateway.Cli;

/// <summary>
/// A 3xx answer gatewayctl did not follow. Its message names the status and where it pointed, as scheme, host, port and
/// path only: no user info, query or fragment, where a secret could ride.
/// </summary>
internal sealed class RedirectRefusedException(Uri? requestUri, HttpStatusCode status, Uri? location)
    : HttpRequestException(Describe(requestUri, status, location), inner: null, statusCode: status)
{
    /// <summary>Where the answer pointed (resolved against the request, shown without secrets), or null when it named nowhere.</summary>
    public string? Location { get; } = Resolve(requestUri, location) is { } target ? Show(target) : null;

    private static string Describe(Uri? requestUri, HttpStatusCode status, Uri? location)
    {
        var from = requestUri is { IsAbsoluteUri: true } ? Show(requestUri) : "the server";
        var to = Resolve(requestUri, location) is { } target ? "to " + Show(target) : "without a Location";
        return $"{from} answered {(int)status} {status} {to}; gatewayctl does not follow redirects (they would carry its credentials and body along): use the final address";
    }

    private static Uri? Resolve(Uri? requestUri, Uri? location) => location switch
    {
        null => null,
        { IsAbsoluteUri: true } => location,
        _ when requestUri is { IsAbsoluteUri: true } => new Uri(requestUri, location),
        _ => null,
    };

    // Uri.Authority is host and port, never the user info.
    private static string Show(Uri uri) => uri.Scheme + "://" + uri.Authority + uri.AbsolutePath;
}
