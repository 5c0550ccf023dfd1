namespace Gamut.Agent;

/// <summary>
/// Signs every request an <see cref="HttpClient"/> sends to the gateway, for provider-native clients:
/// refuses any other origin, refuses secret material in a JSON body, and drops an <c>Authorization</c>
/// header (the gateway injects the provider credential). Responses are not buffered: streams stream. A request that names
/// no run (<c>X-Gamut-Run</c>) carries the one of its client (<see cref="GamutClient.CreateSigningHandler"/>) or of the
/// enclosing <see cref="GamutClient.RunAsync{T}"/> scope of this agent; one that names no person (<c>X-Gamut-Person</c>)
/// carries its client's (<see cref="GamutClient.ForPerson"/>), covered by the signature as the person line. A signed request is never redirected: the default
/// transport does not follow redirects, and a supplied <see cref="HttpClientHandler"/> or <see cref="SocketsHttpHandler"/>
/// (itself or under <see cref="DelegatingHandler"/>s) has <c>AllowAutoRedirect</c> turned off here, or is refused when it
/// has already sent with it on; a 3xx answer reaches the caller as the gateway's answer (<see cref="GamutHttpException"/> from <see cref="GamutClient"/>).
/// </summary>
public sealed class GamutSigningHandler : DelegatingHandler
{
    private readonly GamutOptions _options;
    private readonly Uri _gateway;
    private readonly TimeProvider _time;

    public GamutSigningHandler(GamutOptions options, HttpMessageHandler? innerHandler = null, TimeProvider? timeProvider = null)
        : base(WithoutRedirects(innerHandler) ?? new SocketsHttpHandler { AllowAutoRedirect = false })
    {
        ArgumentNullException.ThrowIfNull(options);
        _gateway = options.Validate();
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>
    /// Turns off automatic redirects on a supplied transport (and those under its delegating handlers): a followed redirect
    /// would carry the signed headers to whatever URL the answer names.
    /// </summary>
    private static HttpMessageHandler? WithoutRedirects(HttpMessageHandler? handler)
    {
        for (var current = handler; current is not null; current = (current as DelegatingHandler)?.InnerHandler)
        {
            try
            {
                switch (current)
                {
                    case SocketsHttpHandler { AllowAutoRedirect: true } sockets:
                        sockets.AllowAutoRedirect = false;
                        break;
                    case HttpClientHandler { AllowAutoRedirect: true } client:
                        client.AllowAutoRedirect = false;
                        break;
                }
            }
            catch (InvalidOperationException)
            {
                throw new GamutConfigurationException("The supplied handler follows redirects and has already sent requests: a signed request is never redirected; give a handler with AllowAutoRedirect = false.");
            }
        }

        return handler;
    }

    /// <summary>The run of the client this handler signs for, read as each request is sent; null for none.</summary>
    internal Func<string?>? Run { get; init; }

    /// <summary>The identity token of the person the client this handler signs for acts for; null for the agent alone.</summary>
    internal string? Person { get; init; }

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri ?? throw new GamutConfigurationException("A signed request needs an absolute URI.");
        if (!uri.IsAbsoluteUri || Uri.Compare(uri, _gateway, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
        {
            throw new GamutConfigurationException($"Refused a request to {(uri.IsAbsoluteUri ? uri.GetLeftPart(UriPartial.Authority) : uri.ToString())}: a Gamut agent sends requests to its gateway only.");
        }

        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (body.Length > 0 && (request.Content?.Headers.ContentType?.MediaType ?? "application/json").Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            var findings = SecretMaterial.Find(body);
            if (findings.Count > 0)
            {
                throw new GamutSecretMaterialException(findings);
            }
        }

        request.Headers.Authorization = null;
        if (Person is { } person && !request.Headers.Contains(AgentSignature.PersonHeader))
        {
            request.Headers.TryAddWithoutValidation(AgentSignature.PersonHeader, person);
        }

        if (!request.Headers.Contains(AgentSignature.RunHeader) && (Run?.Invoke() ?? GamutRunContext.CurrentFor(_options)) is { } run)
        {
            request.Headers.TryAddWithoutValidation(AgentSignature.RunHeader, run);
        }

        AgentSignature.Apply(request, _options, body, _time);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
