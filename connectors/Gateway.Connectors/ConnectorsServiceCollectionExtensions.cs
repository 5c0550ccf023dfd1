using Gateway.Connectors.Credentials;
using Gateway.Connectors.Injection;
using Gateway.Connectors.Models;
using Gateway.Connectors.Vault;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Gateway.Connectors;

/// <summary>DI registration of the connectors library.</summary>
public static class ConnectorsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the key ring (from <c>DATA_ENCRYPTION_KEY</c> unless one is registered; the self-test runs
    /// when it is first resolved), the host's record store (<see cref="GatewayConnectorsOptions.CredentialRecords"/>), <see cref="CredentialVault"/>,
    /// <see cref="CredentialResolver"/> and <see cref="MaxTokensEstimator"/>. Connectors are reached through the host's
    /// YARP clusters, never a client of their own.
    /// </summary>
    public static IServiceCollection AddGatewayConnectors(this IServiceCollection services, Action<GatewayConnectorsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new GatewayConnectorsOptions();
        configure?.Invoke(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("Invalid connector options: " + string.Join(" ", errors));
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ =>
        {
            var ring = EncryptionKeyRing.FromEnvironment();
            EncryptionSelfTest.Run(ring);
            return ring;
        });
        // The host's record store (Validate has checked that there is one).
        var hostRecords = options.CredentialRecords!;
        services.TryAddSingleton<ICredentialRecordStore>(sp => hostRecords(sp));

        services.TryAddSingleton(sp => new CredentialVault(
            sp.GetRequiredService<ICredentialRecordStore>(),
            sp.GetRequiredService<EncryptionKeyRing>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<CredentialVault>>()));
        services.TryAddSingleton(new CredentialFileConfinement(options.Resolver.CredentialsRoot));
        services.TryAddSingleton(sp => new CredentialResolver(
            sp.GetRequiredService<CredentialVault>(),
            options.Resolver,
            sp.GetRequiredService<TimeProvider>(),
            logger: sp.GetService<ILogger<CredentialResolver>>()));

        services.TryAddSingleton(new MaxTokensEstimator(options.DefaultMaxTokens));
        return services;
    }

    /// <summary>
    /// Adds the connector transform factory to YARP: route key <c>GatewayCredentialInjection</c>.
    /// </summary>
    public static IReverseProxyBuilder AddGatewayConnectorTransforms(this IReverseProxyBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .AddTransformFactory<CredentialInjectionTransformFactory>();
    }
}
