using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Store;

/// <summary>
/// Which <see cref="IStateStore"/> the gateway runs on (<c>Gateway:Store</c>): <c>Kind</c> <c>memory</c> (the default) or
/// <c>redis</c>, the embedded store's journal directory and the group-commit switches. Read before the container exists
/// (it decides what is registered), validated by <see cref="StateStoreOptionsValidator"/>.
/// </summary>
public sealed class StateStoreOptions
{
    public const string SectionName = "Gateway:Store";

    public const string MemoryKind = "memory";

    public const string RedisKind = "redis";

    /// <summary><c>memory</c> (also when unset) or <c>redis</c>, in any case.</summary>
    public string? Kind { get; set; }

    /// <summary><c>Gateway:Store:CompleteWaitersInline</c>: <see cref="GroupWaiters.CompleteInline"/> (a measurement switch).</summary>
    public bool CompleteWaitersInline { get; set; } = true;

    /// <summary><c>Gateway:Store:CompleteGroupsInline</c>: <see cref="GroupWaiters.CompleteGroupsInline"/> (a measurement switch).</summary>
    public bool CompleteGroupsInline { get; set; } = true;

    /// <summary><c>Gateway:Store:Memory</c>.</summary>
    public MemorySettings Memory { get; set; } = new();

    /// <summary>True for the Redis store; false for the embedded one.</summary>
    public bool IsRedis => string.Equals(Kind, RedisKind, StringComparison.OrdinalIgnoreCase);

    /// <summary>Binds <c>Gateway:Store</c> from <paramref name="configuration"/> and validates it; a bad value throws <see cref="OptionsValidationException"/> naming its key.</summary>
    public static StateStoreOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(SectionName).Get<StateStoreOptions>() ?? new StateStoreOptions();
        var result = new StateStoreOptionsValidator().Validate(Options.DefaultName, options);
        return result.Failed ? throw new OptionsValidationException(Options.DefaultName, typeof(StateStoreOptions), result.Failures) : options;
    }

    /// <summary>The embedded store's settings.</summary>
    public sealed class MemorySettings
    {
        /// <summary>Where the embedded store keeps its journal (state survives a restart); empty or blank: in memory only.</summary>
        public string? Directory { get; set; }

        /// <summary><c>Gateway:Store:Memory:Volatile</c>: outside Development, allows an empty <see cref="Directory"/> (state lost at restart; warned at start).</summary>
        public bool Volatile { get; set; }

        /// <summary>
        /// The characters of log entries (audit records on <c>Gateway:Audit:Sink=store</c>, approvals, incidents) held in
        /// memory before they are sealed into their logs' files under the journal's directory (<c>logs/</c>).
        /// </summary>
        public long LogSealCharacters { get; set; } = InMemoryStateStore.DefaultSealThresholdChars;
    }
}
