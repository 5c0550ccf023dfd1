using Gateway.Connectors.Credentials;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Configuration;

/// <summary>Refuses a credentials root that is not an absolute path, and a vault cache interval outside 0 to 30 s.</summary>
internal sealed class GatewayCredentialsOptionsValidator : IValidateOptions<GatewayCredentialsOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayCredentialsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.Root is { } root && !Path.IsPathFullyQualified(root))
        {
            errors.Add($"{GatewayCredentialsOptions.SectionName}:Root must be an absolute path, not '{root}'.");
        }

        if (options.VaultCacheTtl < TimeSpan.Zero || options.VaultCacheTtl > CredentialResolverOptions.MaxVaultCacheTtl)
        {
            errors.Add($"{GatewayCredentialsOptions.SectionName}:VaultCacheTtl must be between 00:00:00 and {CredentialResolverOptions.MaxVaultCacheTtl:c}, not {options.VaultCacheTtl:c}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
