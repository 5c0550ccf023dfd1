using Microsoft.Extensions.Options;

namespace Gateway.Store.Postgres;

/// <summary>Runs <see cref="PostgresStoreOptions.Validate"/> at start-up so that every error is reported together.</summary>
internal sealed class PostgresStoreOptionsValidator : IValidateOptions<PostgresStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgresStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        return errors.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(errors.Select(static e => $"{PostgresStoreOptions.SectionName}: {e}"));
    }
}
