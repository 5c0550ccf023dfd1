using Gateway.Connectors.Signing;
using Gateway.Oversight;
using Microsoft.Extensions.Primitives;

namespace Gateway.Proxy.People;

/// <summary>
/// The <c>X-Gamut-Person</c> header, read strictly before anything is verified: absent, or exactly once, at most
/// <see cref="PersonOptions.MaxTokenLength"/> characters of the compact JWS alphabet (<c>[A-Za-z0-9_-]</c> and two dots).
/// </summary>
internal static class PersonTokenHeader
{
    /// <summary>True when the header is absent (<paramref name="token"/> null) or well formed; else the refusal's code and detail.</summary>
    public static bool TryRead(IHeaderDictionary headers, int maxLength, out string? token, out string code, out string detail)
    {
        token = null;
        code = string.Empty;
        detail = string.Empty;
        StringValues values = headers[SignatureHeaders.Person];
        if (values.Count == 0)
        {
            return true;
        }

        code = ProblemCodes.MalformedHeader;
        if (values.Count > 1 || string.IsNullOrEmpty(values[0]))
        {
            detail = $"The header {SignatureHeaders.Person} must appear exactly once, with a value.";
            return false;
        }

        var value = values[0]!;
        if (value.Length > maxLength || !IsCompactJws(value))
        {
            detail = $"{SignatureHeaders.Person} must be the person's identity token: a compact JWS (three base64url parts) of at most {maxLength} characters.";
            return false;
        }

        token = value;
        code = string.Empty;
        detail = string.Empty;
        return true;
    }

    private static bool IsCompactJws(string value)
    {
        var dots = 0;
        foreach (var c in value)
        {
            if (c == '.')
            {
                dots++;
            }
            else if (c is not ((>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-'))
            {
                return false;
            }
        }

        return dots == 2;
    }
}
