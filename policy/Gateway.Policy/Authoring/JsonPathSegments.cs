namespace Gateway.Policy.Authoring;

/// <summary>Splits a rule JSON path (<c>$.a.b[0]</c>) into name and index steps, for building requests.</summary>
internal static class JsonPathSegments
{
    public static List<(string? Name, int? Index)> Parse(string path)
    {
        var segments = new List<(string?, int?)>();
        if (!JsonPath.IsValid(path))
        {
            return segments;
        }

        var i = 1;
        while (i < path.Length)
        {
            var start = i + 1;
            var end = start;
            if (path[i] == '.')
            {
                while (end < path.Length && path[end] != '.' && path[end] != '[')
                {
                    end++;
                }

                segments.Add((path[start..end], null));
                i = end;
            }
            else
            {
                end = path.IndexOf(']', start);
                segments.Add((null, int.Parse(path.AsSpan(start, end - start), System.Globalization.CultureInfo.InvariantCulture)));
                i = end + 1;
            }
        }

        return segments;
    }
}
