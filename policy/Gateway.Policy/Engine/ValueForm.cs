namespace Gateway.Policy;

/// <summary>The kind of value a target or argument glob compares, which decides how its spellings are normalised.</summary>
internal enum ValueForm
{
    /// <summary>Compared as written (case-insensitively).</summary>
    Text,

    /// <summary>A DNS name: <c>gmail.com.</c>, <c>GMAIL.com</c>, <c>ｇｍａｉｌ.com</c> and <c>gmail。com</c> are <c>gmail.com</c>.</summary>
    Host,

    /// <summary>A mail address (or, as a value, a recipient list): the domain after the last <c>@</c> is a host.</summary>
    Email,

    /// <summary>A URL: scheme, host, default port, dot segments, userinfo and fragment normalised.</summary>
    Url,

    /// <summary>A slash-separated path: dot segments resolved and repeated slashes collapsed.</summary>
    Path,
}
