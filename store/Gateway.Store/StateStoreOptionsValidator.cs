using Microsoft.Extensions.Options;

namespace Gateway.Store;

/// <summary>
/// Refuses a <see cref="StateStoreOptions.Kind"/> other than <c>memory</c> or <c>redis</c>, a log seal threshold below one
/// character and, when <paramref name="requireDurable"/> (outside Development), an embedded store that keeps nothing on
/// disk unless <c>Gateway:Store:Memory:Volatile</c> is true.
/// </summary>
/// <param name="requireDurable">Outside Development: the embedded store needs a journal directory, or the explicit opt-in.</param>
public sealed class StateStoreOptionsValidator(bool requireDurable = false) : IValidateOptions<StateStoreOptions>
{
    /// <summary><c>Gateway:Store:Memory:Volatile</c>.</summary>
    public const string VolatileKey = StateStoreOptions.SectionName + ":Memory:Volatile";

    public ValidateOptionsResult Validate(string? name, StateStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Memory.LogSealCharacters < 1)
        {
            return ValidateOptionsResult.Fail($"{StateStoreOptions.SectionName}:Memory:LogSealCharacters must be at least 1, not {options.Memory.LogSealCharacters}.");
        }

        if (!string.IsNullOrWhiteSpace(options.Kind)
            && !string.Equals(options.Kind, StateStoreOptions.MemoryKind, StringComparison.OrdinalIgnoreCase)
            && !options.IsRedis)
        {
            return ValidateOptionsResult.Fail($"{StateStoreOptions.SectionName}:Kind '{options.Kind}' is not supported; use 'memory' or 'redis'.");
        }

        return requireDurable && !options.IsRedis && string.IsNullOrWhiteSpace(options.Memory.Directory) && !options.Memory.Volatile
            ? ValidateOptionsResult.Fail(
                $"{StateStoreOptions.SectionName}:Memory:Directory is empty outside Development: the embedded store would keep nonces, kill switches, "
                + "approvals, warrants, limits and budgets in memory only, and forget them at a restart (a replayed request accepted again). "
                + $"Unset it (the journal goes under Gateway:DataDirectory) or set it to a directory; to run so anyway (a trial), set {VolatileKey}=true.")
            : ValidateOptionsResult.Success;
    }
}
