using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Authoring;

/// <summary>
/// Reads analysis queries checked into a repository:
/// <code>
/// queries:
///   - name: no-junior-financial-allow
///     max_level: L2
///     action_types: [financial]
///     decisions: [allow, allow_and_log]
///     expect: none          # none (a proof of absence) | some | report
/// </code>
/// Other keys: agents, tools (globs), data_class, target_kind. Every error is collected.
/// </summary>
public static class AnalysisQueryFile
{
    private static readonly string[] Keys = ["name", "agents", "max_level", "tools", "action_types", "data_class", "target_kind", "decisions", "expect"];

    public static IReadOnlyList<AnalysisQuery> Read(string yaml, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (YamlJson.Parse(yaml, out var error) is not YamlMappingNode root || !root.Children.TryGetValue(new YamlScalarNode("queries"), out var list) || list is not YamlSequenceNode items)
        {
            errors.Add(error ?? "a query file is a mapping with a 'queries' list");
            return [];
        }

        var queries = new List<AnalysisQuery>();
        var index = 0;
        foreach (var item in items.Children)
        {
            var where = $"queries[{index++}]";
            if (item is not YamlMappingNode map)
            {
                errors.Add($"{where}: a query is a mapping");
                continue;
            }

            foreach (var key in map.Children.Keys.Select(k => (k as YamlScalarNode)?.Value ?? string.Empty).Where(k => !Keys.Contains(k)))
            {
                errors.Add($"{where} (line {map.Start.Line}): unknown key '{key}' (allowed: {string.Join(", ", Keys)})");
            }

            queries.Add(new AnalysisQuery
            {
                Name = Scalar(map, "name") ?? where,
                Agents = Strings(map, "agents"),
                MaxLevel = One<AtfLevel>(map, "max_level", where, errors),
                Tools = Strings(map, "tools"),
                ActionTypes = Many<ActionType>(map, "action_types", where, errors),
                DataClass = One<DataClass>(map, "data_class", where, errors),
                TargetKind = One<TargetKind>(map, "target_kind", where, errors),
                Decisions = Many<DecisionKind>(map, "decisions", where, errors),
                Expect = Scalar(map, "expect") switch
                {
                    null or "report" => QueryExpectation.Report,
                    "none" => QueryExpectation.None,
                    "some" => QueryExpectation.Some,
                    var other => Bad(errors, $"{where}: expect '{other}' must be none, some or report"),
                },
            });
        }

        return queries;
    }

    /// <summary>Parses one wire name (a command-line flag); adds an error when invalid.</summary>
    public static T? Parse<T>(string? text, string what, List<string> errors)
        where T : struct, Enum
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (text is null)
        {
            return null;
        }

        if (WireNames.TryParse<T>(text, out var value))
        {
            return value;
        }

        errors.Add($"'{text}' is not a valid {what}; expected one of: {string.Join(", ", WireNames.All<T>())}");
        return null;
    }

    private static QueryExpectation Bad(List<string> errors, string message)
    {
        errors.Add(message);
        return QueryExpectation.Report;
    }

    private static T? One<T>(YamlMappingNode map, string key, string where, List<string> errors)
        where T : struct, Enum
        => Parse<T>(Scalar(map, key), $"{where}.{key}", errors);

    private static List<T>? Many<T>(YamlMappingNode map, string key, string where, List<string> errors)
        where T : struct, Enum
        => Strings(map, key)?.Select(s => Parse<T>(s, $"{where}.{key}", errors)).OfType<T>().ToList();

    private static string? Scalar(YamlMappingNode map, string key)
        => map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? (node as YamlScalarNode)?.Value : null;

    private static List<string>? Strings(YamlMappingNode map, string key)
        => map.Children.TryGetValue(new YamlScalarNode(key), out var node)
            ? node is YamlSequenceNode seq ? [.. seq.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty)] : node is YamlScalarNode s ? [s.Value ?? string.Empty] : []
            : null;
}
