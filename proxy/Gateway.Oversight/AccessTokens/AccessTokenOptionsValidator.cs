using Microsoft.Extensions.Options;

namespace Gateway.Oversight.AccessTokens;

/// <summary>Validates <see cref="AccessTokenOptions"/> at start-up, every error at once.</summary>
internal sealed class AccessTokenOptionsValidator : IValidateOptions<AccessTokenOptions>
{
    public ValidateOptionsResult Validate(string? name, AccessTokenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.Lifetime <= TimeSpan.Zero || options.Lifetime > AccessTokenOptions.MaxLifetime)
        {
            errors.Add($"{AccessTokenOptions.SectionName}:Lifetime must be more than 0 and at most {AccessTokenOptions.MaxLifetime}.");
        }

        if (options.PublicBaseUrl.Length > 0
            && (!Uri.TryCreate(options.PublicBaseUrl, UriKind.Absolute, out var uri)
                || uri.Scheme is not ("https" or "http")
                || uri.AbsolutePath != "/" || options.PublicBaseUrl.EndsWith('/')
                || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0))
        {
            errors.Add($"{AccessTokenOptions.SectionName}:PublicBaseUrl must be an absolute http(s) origin without path, query or trailing slash, e.g. https://gateway.example.com.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
