using Gateway.Connectors.Credentials;

namespace Gateway.Connectors;

/// <summary>Options of <see cref="ConnectorsServiceCollectionExtensions.AddGatewayConnectors"/>.</summary>
public sealed record GatewayConnectorsOptions
{
    /// <summary>
    /// The host's store for the vault's records (the gateway's choice: PostgreSQL, the embedded file or the shared state
    /// store), resolved once when the vault is first used. Required: the connectors library owns only
    /// <see cref="Vault.ICredentialRecordStore"/> and depends on no store project.
    /// </summary>
    public Func<IServiceProvider, Vault.ICredentialRecordStore>? CredentialRecords { get; set; }

    /// <summary>Resolver cache settings.</summary>
    public CredentialResolverOptions Resolver { get; set; } = new();

    /// <summary>Token ceiling assumed for budget reservation when a model request names none.</summary>
    public int DefaultMaxTokens { get; set; } = 4096;

    /// <summary>Every problem (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>(Resolver?.Validate() ?? ["resolver options are required."]);
        if (CredentialRecords is null)
        {
            errors.Add("the host supplies the credential record store (CredentialRecords).");
        }

        if (DefaultMaxTokens <= 0)
        {
            errors.Add("default max tokens must be positive.");
        }

        return errors;
    }
}
