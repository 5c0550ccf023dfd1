using Gateway.Policy.Bundles;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Authoring;

/// <summary>
/// The difference between two tenant files in the register's terms: agents (and their permissions), catalog
/// entries, approval gates, rules, approvers, data flows, risks, red-team tests, limits, budgets and tenant settings,
/// each added, removed or changed with the keys that changed. Formatting, comments and key order are not changes.
/// </summary>
public static class RegisterDiff
{
    private static readonly (string Section, string[] Key)[] Sections =
    [
        ("agents", ["id"]),
        ("catalog", ["name"]),
        ("approval_gates", ["id"]),
        ("rules", ["id"]),
        ("approvers", ["id"]),
        ("data_flows", ["agent", "tool"]),
        ("risks", ["id"]),
        ("red_team_tests", ["agent", "scenario"]),
        ("rate_limits", ["scope", "agent", "tool"]),
        ("budgets", ["agent", "connector"]),
    ];

    public static IReadOnlyList<RegisterChange> Compare(YamlNode baseline, YamlNode candidate)
    {
        var before = baseline as YamlMappingNode ?? new YamlMappingNode();
        var after = candidate as YamlMappingNode ?? new YamlMappingNode();
        var changes = new List<RegisterChange>();
        var sectionNames = Sections.Select(s => s.Section).ToHashSet(StringComparer.Ordinal);
        foreach (var key in Keys(before).Union(Keys(after)).Where(k => !sectionNames.Contains(k)).Order(StringComparer.Ordinal))
        {
            var (a, b) = (Text(Child(before, key)), Text(Child(after, key)));
            if (a != b)
            {
                changes.Add(new RegisterChange("tenant", key, Kind(a, b), [$"{a ?? "(absent)"} → {b ?? "(absent)"}"]));
            }
        }

        foreach (var (section, keyFields) in Sections)
        {
            var a = Items(Child(before, section), keyFields);
            var b = Items(Child(after, section), keyFields);
            foreach (var id in a.Keys.Union(b.Keys).Order(StringComparer.Ordinal))
            {
                a.TryGetValue(id, out var old);
                b.TryGetValue(id, out var now);
                if (old is null || now is null)
                {
                    changes.Add(new RegisterChange(section, id, old is null ? "added" : "removed", []));
                    continue;
                }

                var details = Details(old, now, section == "agents");
                if (details.Count > 0)
                {
                    changes.Add(new RegisterChange(section, id, "changed", details));
                }
            }
        }

        return changes;
    }

    private static List<string> Details(YamlNode old, YamlNode now, bool agent)
    {
        var details = new List<string>();
        if (old is not YamlMappingNode a || now is not YamlMappingNode b)
        {
            if (Text(old) != Text(now))
            {
                details.Add($"{Text(old)} → {Text(now)}");
            }

            return details;
        }

        foreach (var key in Keys(a).Union(Keys(b)).Order(StringComparer.Ordinal))
        {
            if (agent && key == "permissions")
            {
                var pa = Items(Child(a, key), ["tool"]);
                var pb = Items(Child(b, key), ["tool"]);
                foreach (var tool in pa.Keys.Union(pb.Keys).Order(StringComparer.Ordinal))
                {
                    pa.TryGetValue(tool, out var po);
                    pb.TryGetValue(tool, out var pn);
                    if (po is null || pn is null)
                    {
                        details.Add($"permission {tool} {(po is null ? "added" : "removed")}");
                    }
                    else if (Text(po) != Text(pn))
                    {
                        details.Add($"permission {tool}: {Text(po)} → {Text(pn)}");
                    }
                }

                continue;
            }

            var (x, y) = (Text(Child(a, key)), Text(Child(b, key)));
            if (x != y)
            {
                details.Add($"{key}: {x ?? "(absent)"} → {y ?? "(absent)"}");
            }
        }

        return details;
    }

    private static string Kind(string? before, string? after) => before is null ? "added" : after is null ? "removed" : "changed";

    private static IEnumerable<string> Keys(YamlMappingNode map) => map.Children.Keys.Select(k => (k as YamlScalarNode)?.Value ?? string.Empty);

    private static YamlNode? Child(YamlMappingNode map, string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string? Text(YamlNode? node) => node is null ? null : PolicyDigest.CanonicalText(node);

    private static Dictionary<string, YamlNode> Items(YamlNode? list, string[] keyFields)
    {
        var items = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var index = 0;
        foreach (var item in (list as YamlSequenceNode)?.Children ?? [])
        {
            var id = item is YamlMappingNode map
                ? string.Join("/", keyFields.Select(k => (Child(map, k) as YamlScalarNode)?.Value).Where(v => v is not null))
                : string.Empty;
            items[id.Length > 0 ? id : $"#{index}"] = item;
            index++;
        }

        return items;
    }
}

/// <summary>One change: <see cref="Change"/> is added, removed or changed; <see cref="Details"/> say what changed.</summary>
public sealed record RegisterChange(string Section, string Id, string Change, IReadOnlyList<string> Details);
