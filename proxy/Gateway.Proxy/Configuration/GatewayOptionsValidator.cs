using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Configuration;

/// <summary>Collects every problem with <see cref="GatewayOptions"/> so one start-up failure names them all.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    /// <summary>Kestrel's default limit on a request body (30,000,000 bytes), which the gateway does not raise.</summary>
    public const long KestrelMaxRequestBodyBytes = 30_000_000;

    /// <summary>The longest <c>Gateway:Limits:BodyReadTimeout</c>.</summary>
    public static readonly TimeSpan MaxBodyReadTimeout = TimeSpan.FromMinutes(5);

    /// <summary>What a nonce must outlive beyond the timestamp window (clock reads and store expiry are not instantaneous).</summary>
    public static readonly TimeSpan NonceLifetimeMargin = TimeSpan.FromSeconds(5);

    /// <summary>The shortest safe nonce lifetime: the whole window a timestamp is accepted in, plus <see cref="NonceLifetimeMargin"/>.</summary>
    public static TimeSpan MinimumNonceLifetime(TimeSpan maxClockSkew) => 2 * maxClockSkew + NonceLifetimeMargin;

    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Policy.BundlePath))
        {
            errors.Add("Gateway:Policy:BundlePath is required (a directory of policy bundle YAML files).");
        }
        else if (!Directory.Exists(options.Policy.BundlePath))
        {
            errors.Add($"Gateway:Policy:BundlePath '{options.Policy.BundlePath}' is not a directory.");
        }

        if (options.Authentication.MaxClockSkew <= TimeSpan.Zero || options.Authentication.MaxClockSkew > TimeSpan.FromSeconds(300))
        {
            errors.Add("Gateway:Authentication:MaxClockSkew must be positive and at most 300 seconds (agent protocol).");
        }

        if (options.DecisionTokens.Lifetime <= TimeSpan.Zero || options.DecisionTokens.Lifetime > Gateway.Policy.Tokens.DecisionTokenIssuer.MaxLifetime)
        {
            errors.Add("Gateway:DecisionTokens:Lifetime must be more than 0 and at most 300 seconds (agent protocol).");
        }

        if (options.Authentication.NonceLifetime < TimeSpan.FromSeconds(600))
        {
            errors.Add("Gateway:Authentication:NonceLifetime must be at least 600 seconds (agent protocol).");
        }

        if (options.Authentication.NonceLifetime < MinimumNonceLifetime(options.Authentication.MaxClockSkew))
        {
            errors.Add("Gateway:Authentication:NonceLifetime must exceed the timestamp window (twice MaxClockSkew) by at least "
                + $"{NonceLifetimeMargin.TotalSeconds:0} s, or a nonce could be forgotten while its timestamp is still accepted.");
        }

        var margin = options.Authentication.NonceLifetime - (2 * options.Authentication.MaxClockSkew);
        // Measured against the margin only once that is valid (the nonce lifetime's own error says what is wrong otherwise).
        if (options.Authentication.MaxStoreClockSkew <= TimeSpan.Zero || (margin >= NonceLifetimeMargin && options.Authentication.MaxStoreClockSkew > margin / 2))
        {
            errors.Add("Gateway:Authentication:MaxStoreClockSkew must be positive and at most half the nonce lifetime's margin over the "
                + $"timestamp window (NonceLifetime - 2 x MaxClockSkew = {margin.TotalSeconds:0.###} s), or two ready replicas could disagree on the time by more than it.");
        }

        if (options.Authentication.StoreClockCheckInterval <= TimeSpan.Zero || options.Authentication.StoreClockCheckInterval > TimeSpan.FromHours(1))
        {
            errors.Add("Gateway:Authentication:StoreClockCheckInterval must be positive and at most 1 hour.");
        }

        if (options.Limits.MaxRequestBodyBytes is <= 0 or > KestrelMaxRequestBodyBytes)
        {
            // Above Kestrel's own limit a body would be cut off by Kestrel, and refused naming a limit it did not exceed.
            errors.Add($"Gateway:Limits:MaxRequestBodyBytes must be between 1 byte and {KestrelMaxRequestBodyBytes:N0} bytes (Kestrel's own limit).");
        }

        // A bare number binds as days ("10" is 10 days): the bound catches it, and a client holding a request open that long.
        if (options.Limits.BodyReadTimeout <= TimeSpan.Zero || options.Limits.BodyReadTimeout > MaxBodyReadTimeout)
        {
            errors.Add($"Gateway:Limits:BodyReadTimeout must be positive and at most 5 minutes (a time span, 00:00:30), not {options.Limits.BodyReadTimeout:c}.");
        }

        if (options.Policy.ReloadDebounce < TimeSpan.Zero)
        {
            errors.Add("Gateway:Policy:ReloadDebounce must not be negative.");
        }

        if (options.NativeHeap.TrimInterval < TimeSpan.Zero || options.NativeHeap.TrimInterval > TimeSpan.FromDays(1))
        {
            errors.Add("Gateway:NativeHeap:TrimInterval must be from 0 (never) to 1 day.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
