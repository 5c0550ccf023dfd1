using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Configuration;

/// <summary>Refuses a credentials root that is not an absolute path.</summary>
internal sealed class GatewayCredentialsOptionsValidator : IValidateOptions<GatewayCredentialsOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayCredentialsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Root is { } root && !Path.IsPathFullyQualified(root)
            ? ValidateOptionsResult.Fail($"{GatewayCredentialsOptions.SectionName}:Root must be an absolute path, not '{root}'.")
            : ValidateOptionsResult.Success;
    }
}
