using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Configuration;

/// <summary>Refuses a <c>Gateway:DataDirectory</c> that is no path (empty, or with a character no path may hold).</summary>
internal sealed class GatewayDataOptionsValidator : IValidateOptions<GatewayDataOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayDataOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.DataDirectory is { } directory && (string.IsNullOrWhiteSpace(directory) || directory.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            ? ValidateOptionsResult.Fail($"{GatewayDataOptions.DataDirectoryKey} must be a directory path, not '{directory}'.")
            : ValidateOptionsResult.Success;
    }
}
