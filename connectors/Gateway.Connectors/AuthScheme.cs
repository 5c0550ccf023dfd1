using System.Diagnostics.CodeAnalysis;

namespace Gateway.Connectors;

/// <summary>
/// How a connector's credential is presented upstream: <c>bearer</c> (<c>Authorization: Bearer …</c>),
/// <c>x-api-key</c>, or <c>header:&lt;Name&gt;</c> (the raw credential in a custom header).
/// </summary>
public sealed record AuthScheme
{
    private AuthScheme(string headerName, bool bearer)
    {
        HeaderName = headerName;
        IsBearer = bearer;
    }

    /// <summary><c>Authorization: Bearer &lt;credential&gt;</c>.</summary>
    public static AuthScheme Bearer { get; } = new("Authorization", bearer: true);

    /// <summary><c>x-api-key: &lt;credential&gt;</c> (Anthropic style).</summary>
    public static AuthScheme ApiKey { get; } = new("x-api-key", bearer: false);

    /// <summary>The header the credential is written to.</summary>
    public string HeaderName { get; }

    /// <summary>True when the value is prefixed with <c>Bearer </c>.</summary>
    public bool IsBearer { get; }

    /// <summary>The raw credential in a custom header.</summary>
    public static AuthScheme Header(string name)
    {
        if (!IsValidHeaderName(name))
        {
            throw new ArgumentException("The header name is not a valid HTTP token.", nameof(name));
        }

        return new AuthScheme(name, bearer: false);
    }

    /// <summary>Parses <c>bearer</c>, <c>x-api-key</c> or <c>header:&lt;Name&gt;</c> (case-insensitive keywords).</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out AuthScheme? scheme)
    {
        scheme = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (text.Equals("bearer", StringComparison.OrdinalIgnoreCase))
        {
            scheme = Bearer;
        }
        else if (text.Equals("x-api-key", StringComparison.OrdinalIgnoreCase))
        {
            scheme = ApiKey;
        }
        else if (text.StartsWith("header:", StringComparison.OrdinalIgnoreCase) && IsValidHeaderName(text[7..]))
        {
            scheme = new AuthScheme(text[7..], bearer: false);
        }

        return scheme is not null;
    }

    /// <summary>Parses or throws <see cref="FormatException"/>.</summary>
    public static AuthScheme Parse(string text) =>
        TryParse(text, out var scheme) ? scheme : throw new FormatException("auth scheme must be 'bearer', 'x-api-key' or 'header:<Name>'.");

    /// <summary>The header value for <paramref name="credential"/>.</summary>
    public string FormatValue(string credential) => IsBearer ? "Bearer " + credential : credential;

    /// <inheritdoc/>
    public override string ToString() => IsBearer ? "bearer" : HeaderName.Equals("x-api-key", StringComparison.OrdinalIgnoreCase) ? "x-api-key" : "header:" + HeaderName;

    private static bool IsValidHeaderName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 128)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }
}
