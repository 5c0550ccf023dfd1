namespace Gateway.Proxy.People;

/// <summary>Registers what acting for a person needs: its options, the providers' client and keys, the token's check, the upstream credentials.</summary>
internal static class PersonServiceCollectionExtensions
{
    public static IServiceCollection AddActingForPerson(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PersonOptions>().Bind(configuration.GetSection(PersonOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<OpenIdProviderHttp>();
        services.AddSingleton<OpenIdConfigurations>();
        services.AddSingleton<OpenIdTokenValidator>();
        services.AddSingleton<PersonTokenVerifier>();
        services.AddSingleton<ProviderTokenEndpoint>();

        // per_person with token_exchange: the person's provider tokens kept at sign-in for the exchange at the upstream.
        services.AddSingleton<KeptProviderTokens>();
        services.AddSingleton<PersonCredentials>();

        // Exchanged tokens: the gateway's HybridCache (Hosting/SharedCacheHosting.cs), shared by the replicas on the Redis store.
        services.AddSingleton<ExchangedTokenCache>();

        // per_person connectors: the people's linked upstream accounts and the grants that start a link.
        services.AddSingleton<Links.LinkedAccounts>();
        services.AddSingleton<Links.LinkGrants>();
        services.AddSingleton<Links.UpstreamAuthorization>();
        services.AddSingleton<Links.LinkedTokens>();

        return services;
    }
}
