using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Configuration;

/// <summary>
/// Options read before the container exists (in <see cref="GatewayApplication.AddGatewayCore"/>: they decide what is
/// registered): bound from their section and checked by the same validator a registration would run, so a bad value stops
/// the start with the validator's message, which names the key.
/// </summary>
internal static class StartupOptions
{
    /// <summary>Binds <paramref name="section"/> of <paramref name="configuration"/> (its defaults when absent) and validates it.</summary>
    public static TOptions Read<TOptions>(IConfiguration configuration, string section, IValidateOptions<TOptions> validator)
        where TOptions : class, new()
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(section).Get<TOptions>() ?? new TOptions();
        var result = validator.Validate(Options.DefaultName, options);
        return result.Failed ? throw new OptionsValidationException(Options.DefaultName, typeof(TOptions), result.Failures) : options;
    }
}
