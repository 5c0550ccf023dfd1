namespace Gateway.Policy.Bundles;

/// <summary>
/// How a bundle error names a URL it refuses: its scheme, host and port, then <c>/…</c> when there was more (user
/// information, a path or a query may hold a credential, as may a value that is no http(s) URL, which is not shown).
/// </summary>
internal static class UrlInError
{
    public const string NotShown = "(not shown: it may hold a secret)";

    public static string Of(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0)
        {
            return NotShown;
        }

        var origin = uri.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);
        return text == origin || text == origin + "/" ? $"'{text}'" : $"'{origin}/…'";
    }
}
