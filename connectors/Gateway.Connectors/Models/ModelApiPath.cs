namespace Gateway.Connectors.Models;

/// <summary>
/// The one match of a model API's request path by its last segments: in any case, with or without trailing <c>/</c>, as a
/// lenient server routes it (<see cref="ModelRequestRewriter.Generates"/>, <see cref="Kinds.OpenAIConnectorType.ModelApiFor"/>).
/// </summary>
internal static class ModelApiPath
{
    /// <summary>Whether <paramref name="requestPath"/> ends in the whole segments <paramref name="segments"/> (<c>chat/completions</c>).</summary>
    public static bool EndsIn(string requestPath, string segments)
    {
        ArgumentNullException.ThrowIfNull(requestPath);
        var path = requestPath.AsSpan().TrimEnd('/');
        return path.EndsWith(segments, StringComparison.OrdinalIgnoreCase)
            && (path.Length == segments.Length || path[path.Length - segments.Length - 1] == '/');
    }
}
