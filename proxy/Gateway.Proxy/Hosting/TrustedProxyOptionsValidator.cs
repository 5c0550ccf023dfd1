using System.Net;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Hosting;

/// <summary>Validates <see cref="TrustedProxyOptions"/> at start-up, every error at once.</summary>
internal sealed class TrustedProxyOptionsValidator : IValidateOptions<TrustedProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, TrustedProxyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        errors.AddRange(options.KnownNetworks.Where(static n => !IPNetwork.TryParse(n, out _))
            .Select(static n => $"{TrustedProxyOptions.SectionName}:KnownNetworks entry '{n}' is not a CIDR network, e.g. 10.0.0.0/8."));
        errors.AddRange(options.KnownProxies.Where(static p => !IPAddress.TryParse(p, out _))
            .Select(static p => $"{TrustedProxyOptions.SectionName}:KnownProxies entry '{p}' is not an IP address."));
        if (options.ForwardLimit is < 1 or > 10)
        {
            errors.Add($"{TrustedProxyOptions.SectionName}:ForwardLimit must be between 1 and 10.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
