namespace Gateway.Policy;

/// <summary>A slash-separated path's canonical spelling, for <see cref="ValueForms"/> (paths and URL paths).</summary>
internal static class PathSegments
{
    /// <summary>
    /// A path's (or URL path's) canonical spelling, one for both forms: its percent-encoded unreserved characters decoded
    /// (so <c>/%61dmin</c> is <c>/admin</c> and <c>/%2e%2e/</c> a dot segment), then its dot segments resolved.
    /// </summary>
    public static string Canonical(string path, bool collapse) => Resolve(PercentDecoding.Decode(path, unreservedOnly: true), collapse);

    /// <summary>
    /// A slash-separated path with its <c>.</c> and <c>..</c> segments resolved (<paramref name="collapse"/>: and empty
    /// segments dropped). A <c>..</c> above an absolute path's root is dropped; above a relative path's start it stays,
    /// since it leaves the directory the path is relative to. A trailing slash stays.
    /// </summary>
    public static string Resolve(string path, bool collapse)
    {
        if (!path.Contains('.', StringComparison.Ordinal) && !(collapse && path.Contains("//", StringComparison.Ordinal)))
        {
            return path;
        }

        var absolute = path.StartsWith('/');
        var segments = (absolute ? path[1..] : path).Split('/');
        var kept = new List<string>(segments.Length);
        var directory = false;
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            var last = i == segments.Length - 1;
            directory = false;
            if (segment == "." || (collapse && segment.Length == 0))
            {
                directory = last && kept.Count > 0;
            }
            else if (segment == "..")
            {
                if (kept.Count > 0 && kept[^1] != "..")
                {
                    kept.RemoveAt(kept.Count - 1);
                }
                else if (!absolute)
                {
                    kept.Add(segment);
                }

                directory = last && kept.Count > 0;
            }
            else
            {
                kept.Add(segment);
            }
        }

        var joined = string.Join('/', kept);
        return (absolute ? "/" : string.Empty) + joined + (directory && joined.Length > 0 ? "/" : string.Empty);
    }
}
