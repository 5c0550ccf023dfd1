using Microsoft.Extensions.Options;

namespace Gateway.Store;

/// <summary>
/// Runs <see cref="RedisStoreOptions.Validate"/> at start-up so that every error is reported together, and refuses
/// <see cref="RedisStoreOptions.AllowUntrustedCertificate"/> outside Development.
/// </summary>
/// <param name="development">The host's environment is Development (where a test's self-signed Redis may be trusted blindly).</param>
internal sealed class RedisStoreOptionsValidator(bool development = false) : IValidateOptions<RedisStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate().ToList();
        if (options.AllowUntrustedCertificate && !development)
        {
            errors.Add("AllowUntrustedCertificate is for tests only and is refused outside Development: it accepts any server's certificate, "
                + "so whoever can intercept the connection reads and writes the store. Set CaCertificatePath to the CA that signed the server's certificate.");
        }

        return errors.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(errors.Select(static e => $"Gateway:Store:Redis: {e}"));
    }
}
