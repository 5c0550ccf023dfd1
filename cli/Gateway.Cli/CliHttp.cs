namespace Gateway.Cli;

/// <summary>
/// The one place gatewayctl builds its HTTP clients: none follows a redirect (a 307/308 would resend the body, and on the
/// same host the admin token or an upstream's credentials, to wherever it points); a 3xx answer throws
/// <see cref="RedirectRefusedException"/> instead.
/// </summary>
internal static class CliHttp
{
    /// <summary>
    /// A client over <paramref name="handler"/> (a test's, left undisposed; null: a fresh <see cref="SocketsHttpHandler"/>
    /// with automatic redirects off) that refuses 3xx answers; <paramref name="timeout"/> null keeps HttpClient's default.
    /// </summary>
    public static HttpClient Create(HttpMessageHandler? handler, TimeSpan? timeout = null)
    {
        var inner = handler ?? new SocketsHttpHandler { AllowAutoRedirect = false };
        var client = new HttpClient(new RedirectRefusingHandler(inner), disposeHandler: handler is null);
        if (timeout is { } limit)
        {
            client.Timeout = limit;
        }

        return client;
    }

    /// <summary>Says on <paramref name="error"/> where the command was redirected and answers its exit code (<see cref="ExitCodes.Redirected"/>).</summary>
    public static int Refused(TextWriter error, RedirectRefusedException refused)
    {
        error.WriteLine($"error: redirected: {refused.Message}");
        return ExitCodes.Redirected;
    }

    /// <summary>The redirect refusal in <paramref name="exception"/> or among its inner exceptions (an SDK may wrap it), or null.</summary>
    public static RedirectRefusedException? FindRedirect(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is RedirectRefusedException refused)
            {
                return refused;
            }

            if (current is AggregateException { InnerExceptions: var inner } && inner.Select(FindRedirect).FirstOrDefault(r => r is not null) is { } found)
            {
                return found;
            }
        }

        return null;
    }
}
