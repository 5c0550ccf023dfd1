using Microsoft.Extensions.Options;

namespace Gateway.Admin.Options;

/// <summary>Validates <see cref="AdminOptions"/> at start-up, reporting every error at once.</summary>
internal sealed class AdminOptionsValidator : IValidateOptions<AdminOptions>
{
    public ValidateOptionsResult Validate(string? name, AdminOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.BootstrapTokenSha256 is { Length: > 0 } bootstrap
            && (bootstrap.Length != 64 || !bootstrap.All(Uri.IsHexDigit)))
        {
            errors.Add("Gateway:Admin:BootstrapTokenSha256 must be 64 hex characters (the SHA-256 of the token).");
        }

        if (options.MaxFailedAuthPerWindow is < 1 or > 100_000)
        {
            errors.Add("Gateway:Admin:MaxFailedAuthPerWindow must be between 1 and 100000.");
        }

        if (options.FailedAuthWindow < TimeSpan.FromSeconds(1) || options.FailedAuthWindow > TimeSpan.FromHours(1))
        {
            errors.Add("Gateway:Admin:FailedAuthWindow must be between 1 second and 1 hour.");
        }

        if (options.MaxLiveTokensPerTenant is < 1 or > 100_000)
        {
            errors.Add("Gateway:Admin:MaxLiveTokensPerTenant must be between 1 and 100000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
