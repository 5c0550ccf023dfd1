using Microsoft.Extensions.Options;

namespace Gateway.Store;

/// <summary>Runs <see cref="RedisStoreOptions.Validate"/> at start-up so that every error is reported together.</summary>
internal sealed class RedisStoreOptionsValidator : IValidateOptions<RedisStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        return errors.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(errors.Select(static e => $"Gateway:Store:Redis: {e}"));
    }
}
