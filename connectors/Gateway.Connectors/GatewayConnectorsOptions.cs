using Gateway.Connectors.Credentials;

namespace Gateway.Connectors;

/// <summary>Options of <see cref="ConnectorsServiceCollectionExtensions.AddGatewayConnectors"/>.</summary>
public sealed record GatewayConnectorsOptions
{
    /// <summary>
    /// When set, credentials are kept in this JSON file (<see cref="Vault.FileCredentialStore"/>, the embedded
    /// default); otherwise in the registered <see cref="Gateway.Store.IStateStore"/>.
    /// </summary>
    public string? CredentialFilePath { get; set; }

    /// <summary>
    /// The host's system-of-record store for the vault's records (the gateway passes PostgreSQL's when it is configured),
    /// chosen when the store is first resolved; when it is null or returns null, <see cref="CredentialFilePath"/> or the
    /// state store keeps them. The connectors library itself depends on no store implementation.
    /// </summary>
    public Func<IServiceProvider, Vault.ICredentialRecordStore?>? CredentialRecords { get; set; }

    /// <summary>Resolver cache settings.</summary>
    public CredentialResolverOptions Resolver { get; set; } = new();

    /// <summary>Token ceiling assumed for budget reservation when a model request names none.</summary>
    public int DefaultMaxTokens { get; set; } = 4096;

    /// <summary>Every problem (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>(Resolver?.Validate() ?? ["resolver options are required."]);
        if (CredentialFilePath is not null && string.IsNullOrWhiteSpace(CredentialFilePath))
        {
            errors.Add("credential file path is blank.");
        }

        if (DefaultMaxTokens <= 0)
        {
            errors.Add("default max tokens must be positive.");
        }

        return errors;
    }
}
