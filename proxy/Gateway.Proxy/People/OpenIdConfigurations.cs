using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Hybrid;
using Gateway.Policy;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Gateway.Proxy.People;

/// <summary>
/// The tenants' OpenID providers' discovery documents and signing keys (JWKS), fetched with
/// <see cref="OpenIdConnectConfigurationRetriever"/> (the documents shared by the replicas through <see cref="SharedDocumentRetriever"/>) and cached per issuer: used for <see cref="PersonOptions.KeysRefresh"/>,
/// fetched again when a token names a key not in them (the provider rotated), at most once every
/// <see cref="PersonOptions.UnknownKeyRefresh"/>, and, when the provider cannot be reached, the last ones kept for
/// <see cref="PersonOptions.MaxKeysStaleness"/> and then refused; after a failed fetch the provider is not called again
/// within <see cref="PersonOptions.UnknownKeyRefresh"/>. One fetch per issuer at a time; concurrent callers wait for it. A document whose <c>issuer</c> is
/// not the configured one is refused (OpenID Connect Discovery §4.3).
/// </summary>
internal sealed partial class OpenIdConfigurations
{
    private readonly ConcurrentDictionary<string, Provider> _providers = new(StringComparer.Ordinal);
    private readonly OpenIdProviderHttp _http;
    private readonly HybridCache _documents;
    private readonly PersonOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<OpenIdConfigurations> _logger;

    public OpenIdConfigurations(OpenIdProviderHttp http, HybridCache documents, IOptions<PersonOptions> options, TimeProvider time, ILogger<OpenIdConfigurations> logger)
    {
        _http = http;
        _documents = documents;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>The provider's configuration: cached, or fetched when older than <see cref="PersonOptions.KeysRefresh"/>.</summary>
    /// <exception cref="OpenIdProviderUnavailableException">It cannot be fetched and nothing usable is cached.</exception>
    public ValueTask<OpenIdConnectConfiguration> GetAsync(OpenIdProvider provider, CancellationToken cancellationToken)
    {
        var entry = _providers.GetOrAdd(Key(provider), static _ => new Provider());
        var cached = entry.Current;
        return cached is not null && _time.GetUtcNow() - cached.FetchedAt < _options.KeysRefresh
            ? ValueTask.FromResult(cached.Configuration)
            : FetchAsync(provider, entry, cached, unknownKey: false, cancellationToken);
    }

    /// <summary>
    /// The provider's configuration after a token named a key it lacks: fetched again unless a fetch happened within
    /// <see cref="PersonOptions.UnknownKeyRefresh"/> (then the cached one, which still lacks the key).
    /// </summary>
    public ValueTask<OpenIdConnectConfiguration> RefreshForUnknownKeyAsync(OpenIdProvider provider, CancellationToken cancellationToken)
    {
        var entry = _providers.GetOrAdd(Key(provider), static _ => new Provider());
        return FetchAsync(provider, entry, entry.Current, unknownKey: true, cancellationToken);
    }

    private async ValueTask<OpenIdConnectConfiguration> FetchAsync(OpenIdProvider provider, Provider entry, Fetched? seen, bool unknownKey, CancellationToken cancellationToken)
    {
        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            var current = entry.Current;
            if (current is not null && !ReferenceEquals(current, seen))
            {
                // Another caller fetched while this one waited.
                return current.Configuration;
            }

            if ((unknownKey && now - entry.LastUnknownKeyAttempt < _options.UnknownKeyRefresh)
                || (entry.LastFailed && now - entry.LastAttempt < _options.UnknownKeyRefresh))
            {
                // Fetched (or failed to) moments ago: neither unknown key ids nor a provider that is down make it call again sooner.
                return Usable(current, now) ? current!.Configuration
                    : throw new OpenIdProviderUnavailableException($"The OpenID provider '{provider.IssuerText}' could not be read.");
            }

            entry.LastAttempt = now;
            if (unknownKey)
            {
                entry.LastUnknownKeyAttempt = now;
            }

            try
            {
                // Through the HybridCache (SharedDocumentRetriever): on the Redis store one replica's fetch serves the others.
                var retriever = new SharedDocumentRetriever(new HttpDocumentRetriever(_http.Client) { RequireHttps = provider.Issuer.Scheme == Uri.UriSchemeHttps },
                    _documents, _time, _options.KeysRefresh, refresh: unknownKey);
                var configuration = await OpenIdConnectConfigurationRetriever.GetAsync(provider.DiscoveryDocument.AbsoluteUri, retriever, cancellationToken).ConfigureAwait(false);
                if (!string.Equals(configuration.Issuer, provider.IssuerText, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"the discovery document names issuer '{configuration.Issuer}', not '{provider.IssuerText}'");
                }

                // As old as the oldest document it was built from (a shared copy another replica fetched earlier): KeysRefresh and
                // MaxKeysStaleness count from the provider's answer, never from when this replica read the copy.
                entry.Current = new Fetched(configuration, retriever.OldestFetchedAt is { } fetchedAt && fetchedAt < now ? fetchedAt : now);
                entry.LastFailed = false;
                LogFetched(_logger, provider.IssuerText, configuration.SigningKeys.Count);
                return configuration;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogFetchFailed(_logger, provider.IssuerText, ex.Message);
                entry.LastFailed = true;
                if (Usable(current, now))
                {
                    return current!.Configuration;
                }

                throw new OpenIdProviderUnavailableException($"The OpenID provider '{provider.IssuerText}' could not be read.", ex);
            }
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>Keys fetched earlier are used until <see cref="PersonOptions.MaxKeysStaleness"/> past their refresh.</summary>
    private bool Usable(Fetched? fetched, DateTimeOffset now) =>
        fetched is not null && now - fetched.FetchedAt < _options.KeysRefresh + _options.MaxKeysStaleness;

    /// <summary>The issuer: the same issuer in two tenants shares its (public) keys.</summary>
    private static string Key(OpenIdProvider provider) => provider.IssuerText;

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "OpenID provider {Issuer}: discovery document and {Keys} signing keys fetched")]
    private static partial void LogFetched(ILogger logger, string issuer, int keys);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "OpenID provider {Issuer} could not be read: {Reason}")]
    private static partial void LogFetchFailed(ILogger logger, string issuer, string reason);

    private sealed record Fetched(OpenIdConnectConfiguration Configuration, DateTimeOffset FetchedAt);

    private sealed class Provider
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public Fetched? Current { get; set; }

        public DateTimeOffset LastAttempt { get; set; }

        public DateTimeOffset LastUnknownKeyAttempt { get; set; }

        public bool LastFailed { get; set; }
    }
}
