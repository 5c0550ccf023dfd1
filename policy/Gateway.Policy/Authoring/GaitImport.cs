using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Authoring;

/// <summary>
/// Maps a Gait gate policy (<c>schema_id: gait.gate.policy</c>) to this gateway's tenant-file constructs where the
/// meanings match: <c>default_verdict</c>, rules (tool names, target kinds and values, provenance sources, identities,
/// effects, reason codes, <c>min_approvals</c>), and <c>fail_closed.required_fields</c> as a rule that requires them.
/// Everything else is listed line by line with the reason it could not be mapped. Rules are emitted in Gait priority
/// order; note that here every matching rule applies and the strictest wins (no first-match).
/// </summary>
public static partial class GaitImport
{
    public static GaitImportResult Convert(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var unmapped = new List<GaitUnmapped>();
        if (YamlJson.Parse(yaml, out var error) is not YamlMappingNode root)
        {
            return new GaitImportResult(string.Empty, [new GaitUnmapped(1, string.Empty, error ?? "a Gait policy is a mapping")], false);
        }

        var output = new StringBuilder();
        var rules = new List<string>();
        foreach (var (keyNode, value) in root.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value;
            switch (key)
            {
                case "schema_id":
                    if (Scalar(value) != "gait.gate.policy")
                    {
                        unmapped.Add(Line(keyNode, $"schema_id '{Scalar(value)}' is not a Gait gate policy (gait.gate.policy)"));
                    }

                    break;
                case "schema_version":
                    break;
                case "default_verdict":
                    var verdict = Scalar(value);
                    if (verdict is "allow" or "block" or "require_approval")
                    {
                        output.Append("default_verdict: ").Append(verdict).Append('\n');
                    }
                    else if (verdict == "dry_run")
                    {
                        output.Append("default_verdict: degrade\n");
                        unmapped.Add(Line(keyNode, "default_verdict dry_run mapped to degrade: the connector's degrade form applies (dry_run for connectors that declare it)"));
                    }
                    else
                    {
                        unmapped.Add(Line(keyNode, $"default_verdict '{verdict}' has no equivalent"));
                    }

                    break;
                case "fail_closed":
                    rules.Add(FailClosed(value, unmapped));
                    break;
                case "rules":
                    var items = (value as YamlSequenceNode)?.Children.OfType<YamlMappingNode>()
                        .Select((r, i) => (Rule: r, Priority: int.TryParse(Scalar(Child(r, "priority")), out var p) ? p : int.MaxValue, Index: i))
                        .OrderBy(r => r.Priority).ThenBy(r => r.Index).ToList() ?? [];
                    foreach (var item in items)
                    {
                        rules.Add(Rule(item.Rule, unmapped));
                    }

                    break;
                default:
                    unmapped.Add(Line(keyNode, $"'{key}' has no equivalent in a tenant file"));
                    break;
            }
        }

        var text = rules.Where(r => r.Length > 0).ToList();
        if (text.Count > 0)
        {
            output.Append("rules:\n");
            foreach (var rule in text)
            {
                output.Append(rule);
            }
        }

        return new GaitImportResult(output.ToString(), [.. unmapped.OrderBy(u => u.Line)], true);
    }

    private static string FailClosed(YamlNode node, List<GaitUnmapped> unmapped)
    {
        if (node is not YamlMappingNode map || Scalar(Child(map, "enabled")) != "true")
        {
            return string.Empty;
        }

        var fields = new List<string>();
        foreach (var (keyNode, value) in map.Children)
        {
            switch (((YamlScalarNode)keyNode).Value)
            {
                case "enabled":
                    break;
                case "required_fields":
                    foreach (var field in (value as YamlSequenceNode)?.Children ?? [])
                    {
                        var name = Scalar(field) switch
                        {
                            "targets" => "targets",
                            "arg_provenance" => "provenance",
                            "data_classes" => "data_classes",
                            "args" => "args",
                            _ => null,
                        };
                        if (name is null)
                        {
                            unmapped.Add(Line(field, $"required field '{Scalar(field)}' has no equivalent request field"));
                        }
                        else
                        {
                            fields.Add(name);
                        }
                    }

                    break;
                case "risk_classes":
                    unmapped.Add(Line(keyNode, "fail_closed.risk_classes: rules cannot scope on an intent's risk class; the required fields apply to every action (stricter)"));
                    break;
                default:
                    unmapped.Add(Line(keyNode, $"fail_closed.{((YamlScalarNode)keyNode).Value} has no equivalent"));
                    break;
            }
        }

        return fields.Count == 0 ? string.Empty : $"  - id: gait-fail-closed\n    require: [{string.Join(", ", fields)}]\n    effect: block\n    reason: gait_fail_closed\n";
    }

    private static string Rule(YamlMappingNode rule, List<GaitUnmapped> unmapped)
    {
        var name = Scalar(Child(rule, "name")) ?? "rule";
        var lines = new StringBuilder();
        lines.Append("  - id: ").Append(Id(name)).Append('\n');
        var effect = Scalar(Child(rule, "effect"));
        string? degrade = null;
        switch (effect)
        {
            case "allow" or "block" or "require_approval":
                break;
            case "dry_run":
                effect = "degrade";
                degrade = "dry_run";
                break;
            default:
                unmapped.Add(Line(rule, $"rule '{name}': effect '{effect}' has no equivalent; the rule is imported as block (fail closed)"));
                effect = "block";
                break;
        }

        var match = new List<string>();
        var droppedBefore = unmapped.Count(u => u.Reason.EndsWith("the rule is broader", StringComparison.Ordinal));
        foreach (var (keyNode, value) in rule.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value;
            switch (key)
            {
                case "name" or "effect" or "priority":
                    break;
                case "match":
                    match.AddRange(Match(name, value, unmapped));
                    break;
                case "reason_codes":
                    var codes = (value as YamlSequenceNode)?.Children.Select(Scalar).Where(c => c is not null).ToList() ?? [];
                    if (codes.Count > 1)
                    {
                        unmapped.Add(Line(keyNode, $"rule '{name}': one reason code per rule; kept '{codes[0]}', dropped {string.Join(", ", codes.Skip(1))}"));
                    }

                    break;
                case "min_approvals":
                    var count = Scalar(value);
                    if (count != "1")
                    {
                        unmapped.Add(Line(keyNode, $"rule '{name}': min_approvals {count} needs {count} named approvers; add 'approvers: [...]' and 'approvals_required: {count}' (imported as 1 approval by the security owner)"));
                    }

                    break;
                case "require_distinct_approvers":
                    unmapped.Add(Line(keyNode, $"rule '{name}': approvals are always by distinct people here (nothing to map)"));
                    break;
                case "violations":
                    unmapped.Add(Line(keyNode, $"rule '{name}': violations have no equivalent; the reason code is reported instead"));
                    break;
                default:
                    unmapped.Add(Line(keyNode, $"rule '{name}': '{key}' has no equivalent ({Reason(key)})"));
                    break;
            }
        }

        if (effect == "allow" && unmapped.Count(u => u.Reason.EndsWith("the rule is broader", StringComparison.Ordinal)) > droppedBefore)
        {
            // A broader allow rule would allow more than the author did: leave it out (fail closed).
            unmapped.Add(Line(rule, $"rule '{name}': an allow rule with a condition that cannot be expressed is not imported (it would allow more than the original); the default verdict applies instead"));
            return string.Empty;
        }

        if (match.Count > 0)
        {
            lines.Append("    match:\n");
            foreach (var m in match)
            {
                lines.Append("      ").Append(m).Append('\n');
            }
        }

        lines.Append("    effect: ").Append(effect).Append('\n');
        if (degrade is not null)
        {
            lines.Append("    degrade: ").Append(degrade).Append('\n');
        }

        var reason = (Child(rule, "reason_codes") as YamlSequenceNode)?.Children.Select(Scalar).FirstOrDefault(c => c is not null);
        lines.Append("    reason: ").Append(Id(reason ?? name).Replace('-', '_')).Append('\n');
        return lines.ToString();
    }

    private static IEnumerable<string> Match(string rule, YamlNode node, List<GaitUnmapped> unmapped)
    {
        if (node is not YamlMappingNode map)
        {
            yield break;
        }

        var kinds = new List<string>();
        var values = new List<string>();
        foreach (var (keyNode, value) in map.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value;
            var list = (value as YamlSequenceNode)?.Children.Select(Scalar).OfType<string>().ToList() ?? [];
            switch (key)
            {
                // An empty list places no condition in Gait; here an empty match list is refused, so the key is left out.
                case "tool_names" when list.Count > 0:
                    yield return $"tools: [{Join(list)}]";
                    break;
                case "identities" when list.Count > 0:
                    yield return $"agents: [{Join(list)}]";
                    break;
                case "tool_names" or "identities":
                    break;
                case "provenance_sources":
                    var sources = list.Where(s => WireNames.TryParse<ProvenanceSource>(s, out _)).ToList();
                    foreach (var dropped in list.Except(sources))
                    {
                        unmapped.Add(Line(value, $"rule '{rule}': provenance source '{dropped}' is not one of user, system, tool_output, external"));
                    }

                    if (sources.Count > 0)
                    {
                        yield return $"provenance: [{{ source: [{Join(sources)}] }}]";
                    }

                    break;
                case "target_kinds":
                    foreach (var kind in list)
                    {
                        if (WireNames.TryParse<TargetKind>(kind, out _))
                        {
                            kinds.Add(kind);
                        }
                        else
                        {
                            unmapped.Add(Line(value, $"rule '{rule}': target kind '{kind}' is not a target kind here; matched as any kind"));
                        }
                    }

                    break;
                case "target_values":
                    values.AddRange(list);
                    break;
                case "risk_classes":
                    unmapped.Add(Line(keyNode, $"rule '{rule}': risk_classes — an intent's risk class is not a request field here (the catalog's risk tier drives the controls); condition dropped, the rule is broader"));
                    break;
                default:
                    unmapped.Add(Line(keyNode, $"rule '{rule}': match.{key} has no equivalent ({Reason(key)}); condition dropped, the rule is broader"));
                    break;
            }
        }

        if (kinds.Count > 0 || values.Count > 0)
        {
            var targets = (kinds.Count > 0 ? kinds.Cast<string?>() : [null]).SelectMany(k => (values.Count > 0 ? values : ["*"]).Select(v => k is null ? $"{{ value: \"{v}\" }}" : $"{{ kind: {k}, value: \"{v}\" }}"));
            yield return $"targets: [{string.Join(", ", targets)}]";
        }
    }

    private static string Reason(string? key) => key switch
    {
        _ when key?.Contains("delegat", StringComparison.Ordinal) == true => "no delegation chain in the agent protocol",
        _ when key?.Contains("broker", StringComparison.Ordinal) == true => "credentials are injected per catalog entry by the gateway",
        "workspace_prefixes" => "workspaces are checked against the tenant's list, not matched by rules",
        _ => "no matching concept",
    };

    private static string Join(IEnumerable<string> values) => string.Join(", ", values.Select(v => PlainSafe().IsMatch(v) ? v : $"\"{v}\""));

    private static string Id(string name)
    {
        var id = NonSlug().Replace(name.ToLowerInvariant(), "-").Trim('-');
        return id.Length == 0 ? "rule" : id;
    }

    private static YamlNode? Child(YamlMappingNode map, string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string? Scalar(YamlNode? node) => (node as YamlScalarNode)?.Value;

    private static GaitUnmapped Line(YamlNode node, string reason) => new((int)node.Start.Line, node is YamlScalarNode s ? s.Value ?? string.Empty : string.Empty, reason);

    [GeneratedRegex("[^a-z0-9_]+")]
    private static partial Regex NonSlug();

    [GeneratedRegex("^[A-Za-z0-9_.-]+\\z")]
    private static partial Regex PlainSafe();
}

/// <summary>The tenant-file fragment (default_verdict and rules) and every line that could not be mapped.</summary>
public sealed record GaitImportResult(string Yaml, IReadOnlyList<GaitUnmapped> Unmapped, bool Parsed);

/// <summary>A line of the Gait policy that was not (fully) mapped, and why.</summary>
public sealed record GaitUnmapped(int Line, string Text, string Reason);
