using System.Text.Json;
using Gateway.Policy.Serialization;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Authoring;

/// <summary>
/// Reads the fixtures of one file's text (the host reads the files: every <c>*.yaml</c>, <c>*.yml</c> and <c>*.json</c>
/// file under a folder, or one file), holding one fixture mapping or <c>fixtures: [...]</c>. Errors name the file and
/// what is wrong; nothing is skipped silently.
/// </summary>
public static class FixtureReader
{
    private static readonly string[] FixtureKeys = ["name", "tenant", "workspace", "agent", "request", "warrant", "check_input_schema", "run", "expect"];
    private static readonly string[] ExpectKeys = ["decision", "refusal", "failing_controls", "reason_codes", "approvers", "degrade_mode"];

    /// <summary>The fixtures of the file <paramref name="name"/> (as errors and sources give it) whose text is <paramref name="text"/>.</summary>
    public static IReadOnlyList<PolicyFixture> Read(string name, string text, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (YamlJson.Parse(text, out var error) is not YamlMappingNode root)
        {
            errors.Add($"{name}: {error ?? "a fixture file holds a mapping"}");
            return [];
        }

        var fixtures = new List<PolicyFixture>();
        if (root.Children.TryGetValue(new YamlScalarNode("fixtures"), out var list))
        {
            var index = 0;
            foreach (var item in (list as YamlSequenceNode)?.Children ?? [])
            {
                Add(fixtures, item, $"{name}[{index++}]", errors);
            }
        }
        else
        {
            Add(fixtures, root, name, errors);
        }

        return fixtures;
    }

    private static void Add(List<PolicyFixture> fixtures, YamlNode node, string source, List<string> errors)
    {
        if (node is not YamlMappingNode map)
        {
            errors.Add($"{source}: a fixture is a mapping");
            return;
        }

        var before = errors.Count;
        foreach (var key in map.Children.Keys.Select(k => (k as YamlScalarNode)?.Value ?? string.Empty).Where(k => !FixtureKeys.Contains(k)))
        {
            errors.Add($"{source}: unknown key '{key}' (allowed: {string.Join(", ", FixtureKeys)})");
        }

        var agent = Scalar(map, "agent");
        if (agent is null)
        {
            errors.Add($"{source}: 'agent' is required");
        }

        ActionRequest? request = null;
        if (!map.Children.TryGetValue(new YamlScalarNode("request"), out var requestNode))
        {
            errors.Add($"{source}: 'request' is required");
        }
        else
        {
            try
            {
                request = JsonSerializer.Deserialize(YamlJson.Convert(requestNode), PolicyJsonContext.Default.ActionRequest);
            }
            catch (JsonException ex)
            {
                errors.Add($"{source}: request is not a valid action request: {ex.Message}");
            }
        }

        if (Scalar(map, "check_input_schema") is { } check && check is not ("true" or "false"))
        {
            errors.Add($"{source}: check_input_schema is true or false, not '{check}'");
        }

        var repeats = map.Children.TryGetValue(new YamlScalarNode("run"), out var runNode) ? ReadRun(runNode, source, errors) : null;
        var expect = map.Children.TryGetValue(new YamlScalarNode("expect"), out var expectNode) ? ReadExpectation(expectNode, source, errors) : null;
        if (errors.Count > before || request is null || agent is null)
        {
            return;
        }

        fixtures.Add(new PolicyFixture
        {
            Name = Scalar(map, "name") ?? source,
            Source = source,
            Tenant = Scalar(map, "tenant"),
            Workspace = Scalar(map, "workspace"),
            Agent = agent,
            Request = request,
            Warrant = Scalar(map, "warrant") == "true",
            CheckInputSchema = Scalar(map, "check_input_schema") != "false",
            IntentRepeats = repeats,
            Expect = expect,
        });
    }

    // run: { intent_repeats: N }: how many times the run counted the request's intent, this request included (N ≥ 1).
    private static long? ReadRun(YamlNode node, string source, List<string> errors)
    {
        if (node is not YamlMappingNode map || map.Children.Count != 1 || Scalar(map, "intent_repeats") is not { } text)
        {
            errors.Add($"{source}: run is a mapping holding intent_repeats only");
            return null;
        }

        if (!long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var repeats) || repeats < 1)
        {
            errors.Add($"{source}: run.intent_repeats is a whole number of at least 1, not '{text}'");
            return null;
        }

        return repeats;
    }

    private static FixtureExpectation? ReadExpectation(YamlNode node, string source, List<string> errors)
    {
        if (node is not YamlMappingNode map)
        {
            errors.Add($"{source}: expect is a mapping");
            return null;
        }

        foreach (var key in map.Children.Keys.Select(k => (k as YamlScalarNode)?.Value ?? string.Empty).Where(k => !ExpectKeys.Contains(k)))
        {
            errors.Add($"{source}: unknown expectation '{key}' (allowed: {string.Join(", ", ExpectKeys)})");
        }

        var refusal = Scalar(map, "refusal");
        if (refusal is not null && !FixtureRefusal.Codes.Contains(refusal))
        {
            errors.Add($"{source}: '{refusal}' is not a valid refusal; expected one of: {string.Join(", ", FixtureRefusal.Codes)}");
        }

        if (refusal is not null && map.Children.ContainsKey(new YamlScalarNode("decision")))
        {
            errors.Add($"{source}: expect names a refusal and a decision; a refused request is never decided");
        }

        return new FixtureExpectation
        {
            Decision = Enum<DecisionKind>(map, "decision", source, errors),
            Refusal = refusal,
            FailingControls = List(map, "failing_controls"),
            ReasonCodes = List(map, "reason_codes"),
            Approvers = List(map, "approvers"),
            DegradeMode = Enum<DegradeMode>(map, "degrade_mode", source, errors),
        };
    }

    private static T? Enum<T>(YamlMappingNode map, string key, string source, List<string> errors)
        where T : struct, System.Enum
    {
        if (Scalar(map, key) is not { } text)
        {
            return null;
        }

        if (WireNames.TryParse<T>(text, out var value))
        {
            return value;
        }

        errors.Add($"{source}: '{text}' is not a valid {key}; expected one of: {string.Join(", ", WireNames.All<T>())}");
        return null;
    }

    private static string? Scalar(YamlMappingNode map, string key)
        => map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode scalar ? scalar.Value : null;

    private static List<string>? List(YamlMappingNode map, string key)
        => map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlSequenceNode seq
            ? [.. seq.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty)]
            : null;
}

