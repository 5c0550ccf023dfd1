using Gateway.Connectors.Vault;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Oversight.Credentials;

/// <summary>
/// Which store keeps the vault's records, chosen by the host and handed to <c>AddGatewayConnectors</c>
/// (<see cref="Gateway.Connectors.GatewayConnectorsOptions.CredentialRecords"/>): PostgreSQL when the host registered it,
/// else the embedded gateway's file, else the shared <see cref="IStateStore"/> (Redis). The connectors library owns only
/// <see cref="ICredentialRecordStore"/> and depends on no store project.
/// </summary>
public static class CredentialRecordStores
{
    /// <summary>The choice, with <paramref name="filePath"/> the embedded gateway's credential file (null when not embedded).</summary>
    public static Func<IServiceProvider, ICredentialRecordStore> ForHost(string? filePath)
    {
        if (filePath is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        }

        return services => PostgresCredentialStore.WhenRegistered(services)
            ?? (filePath is not null
                ? new FileCredentialStore(filePath)
                : new StateStoreCredentialStore(services.GetRequiredService<IStateStore>()));
    }
}
