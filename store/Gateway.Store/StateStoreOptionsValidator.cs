using Microsoft.Extensions.Options;

namespace Gateway.Store;

/// <summary>Refuses a <see cref="StateStoreOptions.Kind"/> other than <c>memory</c> or <c>redis</c>, and a log seal threshold below one character.</summary>
public sealed class StateStoreOptionsValidator : IValidateOptions<StateStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, StateStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Memory.LogSealCharacters < 1)
        {
            return ValidateOptionsResult.Fail($"{StateStoreOptions.SectionName}:Memory:LogSealCharacters must be at least 1, not {options.Memory.LogSealCharacters}.");
        }

        return string.IsNullOrWhiteSpace(options.Kind)
            || string.Equals(options.Kind, StateStoreOptions.MemoryKind, StringComparison.OrdinalIgnoreCase)
            || options.IsRedis
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{StateStoreOptions.SectionName}:Kind '{options.Kind}' is not supported; use 'memory' or 'redis'.");
    }
}
