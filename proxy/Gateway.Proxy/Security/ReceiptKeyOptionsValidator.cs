using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Security;

/// <summary>A value of <c>Gateway:Receipts:AllowEphemeralKeys</c> that is not a boolean stops the start rather than counting as false.</summary>
internal sealed class ReceiptKeyOptionsValidator : IValidateOptions<ReceiptKeyOptions>
{
    public ValidateOptionsResult Validate(string? name, ReceiptKeyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrWhiteSpace(options.AllowEphemeralKeys) || bool.TryParse(options.AllowEphemeralKeys, out _)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{ReceiptKeysLoader.AllowEphemeralKeysKey} must be true or false, not '{options.AllowEphemeralKeys}'.");
    }
}
