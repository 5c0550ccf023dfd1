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
        services.AddSingleton<PersonCredentials>();

        // Exchanged tokens: the gateway's HybridCache (Hosting/SharedCacheHosting.cs), shared by the replicas on the Redis store.
        services.AddSingleton<ExchangedTokenCache>();

        return services;
    }
}
