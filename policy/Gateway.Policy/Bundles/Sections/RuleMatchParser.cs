using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>
/// Reads a rule's <c>match</c>: agents, tools, action types, targets, data classes, argument conditions,
/// provenance and the nested <c>not</c>, <c>any</c> and <c>all</c>.
/// </summary>
internal sealed class RuleMatchParser(YamlNodeReader reader, CrossReferences references)
{
    public RuleMatch? Parse(YamlNode node, string? ruleId)
    {
        var what = $"rule '{ruleId}' match";
        var f = reader.Mapping(node, what, "agents", "tools", "action_types", "targets", "allowed_targets", "data_classes", "args", "provenance", "external", "person", "person_groups", "not", "any", "all");
        if (f is null)
        {
            return null;
        }

        // `person`, `person_groups`, `any` and `all` refuse an empty list themselves; `not` and `external` take no list.
        MatchFields.RefuseEmpty(reader, f, what, "agents", "tools", "action_types", "targets", "allowed_targets", "data_classes", "args", "provenance");
        var targets = f["targets"] is { } tn ? ParseTargetConditions(tn, "targets") : null;
        var allowedTargets = f["allowed_targets"] is { } atn ? ParseTargetConditions(atn, "allowed_targets") : null;
        var not = f["not"] is { } notNode ? Nested(notNode, ruleId, "not") : null;
        var any = f["any"] is { } anyNode ? NestedMatches(anyNode, ruleId, "any") : null;
        var all = f["all"] is { } allNode ? NestedMatches(allNode, ruleId, "all") : null;

        List<ArgumentCondition>? args = null;
        if (f["args"] is { } an)
        {
            args = [];
            foreach (var item in reader.Sequence(an, "args"))
            {
                if (ParseArgumentCondition(item) is { } condition)
                {
                    args.Add(condition);
                }
            }
        }

        List<ProvenanceCondition>? provenance = null;
        if (f["provenance"] is { } pn)
        {
            provenance = [];
            foreach (var item in reader.Sequence(pn, "provenance"))
            {
                var pf = reader.Mapping(item, "provenance condition", "arg_path", "source");
                if (pf?.Required("source") is { } sourceNode)
                {
                    var sources = sourceNode is YamlSequenceNode ? reader.EnumList<ProvenanceSource>(sourceNode, "provenance source") ?? [] : reader.Enum<ProvenanceSource>(sourceNode, "provenance source") is { } one ? [one] : [];
                    if (sourceNode is YamlSequenceNode { Children.Count: 0 })
                    {
                        reader.Error(sourceNode, BundleErrorCodes.MissingRequired, $"{what}.provenance source needs at least one value");
                    }

                    provenance.Add(new ProvenanceCondition { ArgPath = ProvenanceArgPath(pf, what), Sources = sources });
                }
            }
        }

        return new RuleMatch
        {
            Agents = f["agents"] is { } a ? references.ReferencedList(a, "agent-glob", what) : null,
            Tools = f["tools"] is { } t ? references.ReferencedList(t, "tool-glob", what) : null,
            ActionTypes = f["action_types"] is { } at ? reader.EnumList<ActionType>(at, "action type") : null,
            Targets = targets,
            DataClasses = f["data_classes"] is { } dc ? reader.DataClasses(dc, "data class") : null,
            Args = args,
            Provenance = provenance,
            External = f["external"] is { } ex ? reader.Bool(ex, "external") : null,
            Person = f["person"] is { } pe ? NonEmpty(pe, ruleId, "person") : null,
            PersonGroups = f["person_groups"] is { } pg ? NonEmpty(pg, ruleId, "person_groups") : null,
            AllowedTargets = allowedTargets,
            Not = not,
            Any = any,
            All = all,
        };
    }

    /// <summary>A string or a list of strings (subject globs, group names), at least one.</summary>
    private List<string> NonEmpty(YamlNode node, string? ruleId, string what)
    {
        List<string> values = node is YamlSequenceNode ? [.. reader.StringList(node, what).Select(x => x.Value)] : reader.String(node, what) is { } one ? [one] : [];
        if (values.Count == 0 || values.Exists(string.IsNullOrEmpty))
        {
            reader.Error(node, BundleErrorCodes.MissingRequired, $"rule '{ruleId}' match.{what} needs at least one non-empty value");
        }

        return values;
    }

    private List<TargetCondition> ParseTargetConditions(YamlNode node, string what)
    {
        var targets = new List<TargetCondition>();
        foreach (var item in reader.Sequence(node, what))
        {
            var tf = reader.Mapping(item, "target condition", "kind", "value");
            if (tf?.RequiredString("value") is { } value)
            {
                targets.Add(new TargetCondition { Kind = tf["kind"] is { } kk ? reader.Enum<TargetKind>(kk, "target kind") : null, Value = value });
            }
        }

        return targets;
    }

    /// <summary>A nested match (<c>not</c>, an item of <c>any</c> or <c>all</c>), at least one condition: an empty one holds for every request.</summary>
    private RuleMatch? Nested(YamlNode node, string? ruleId, string what)
    {
        if (node is YamlMappingNode { Children.Count: 0 })
        {
            reader.Error(node, BundleErrorCodes.MissingRequired, $"rule '{ruleId}' match.{what} needs at least one condition (an empty match holds for every request); leave the key out instead");
        }

        return Parse(node, ruleId);
    }

    private List<RuleMatch> NestedMatches(YamlNode node, string? ruleId, string what)
    {
        var list = new List<RuleMatch>();
        foreach (var item in reader.Sequence(node, $"rule '{ruleId}' match.{what}"))
        {
            if (Nested(item, ruleId, what) is { } inner)
            {
                list.Add(inner);
            }
        }

        if (list.Count == 0 && node is YamlSequenceNode)
        {
            reader.Error(node, BundleErrorCodes.MissingRequired, $"rule '{ruleId}' match.{what} needs at least one match");
        }

        return list;
    }

    /// <summary>A provenance <c>arg_path</c>: a JSON path, or a glob that begins with <c>$</c> (as the request's paths do).</summary>
    private string? ProvenanceArgPath(YamlNodeReader.Fields provenance, string what)
    {
        var path = provenance.OptionalString("arg_path");
        if (path is not null && (path.IndexOfAny(['*', '?']) >= 0 ? !path.StartsWith('$') : !JsonPath.IsValid(path)))
        {
            reader.Error(provenance["arg_path"]!, BundleErrorCodes.InvalidPath, $"{what}.provenance arg_path '{path}' is not a JSON path ($, .name, [index]) nor a glob beginning with $");
        }

        return path;
    }

    private ArgumentCondition? ParseArgumentCondition(YamlNode node)
    {
        var f = reader.Mapping(node, "argument condition", "path", "equals", "glob", "regex", "not_in");
        if (f?.RequiredString("path") is not { } path)
        {
            return null;
        }

        if (!JsonPath.IsValid(path))
        {
            reader.Error(f["path"]!, BundleErrorCodes.InvalidPath, $"'{path}' is not a supported JSON path ($, .name, [index])");
        }

        var given = (f["equals"] is null ? 0 : 1) + (f["glob"] is null ? 0 : 1) + (f["regex"] is null ? 0 : 1) + (f["not_in"] is null ? 0 : 1);
        if (given != 1)
        {
            reader.Error(node, BundleErrorCodes.InvalidValue, $"argument condition on '{path}' needs exactly one of equals, glob, regex, not_in");
            return null;
        }

        Regex? regex = null;
        if (f.OptionalString("regex") is { } pattern)
        {
            try
            {
                // Linear-time matching; the timeout only bounds pathological input sizes, and is generous enough that a
                // loaded host never turns a legitimate match into a (fail-closed) error. The warm-up builds the
                // automaton at load instead of on the first request.
                regex = new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, TimeSpan.FromSeconds(1));
                regex.IsMatch(string.Empty);
            }
            catch (ArgumentException ex)
            {
                reader.Error(f["regex"]!, BundleErrorCodes.InvalidRegex, $"regex '{pattern}' is invalid: {ex.Message}");
                return null;
            }
        }

        List<string>? notIn = null;
        if (f["not_in"] is { } ni)
        {
            notIn = [.. reader.StringList(ni, "not_in").Select(x => x.Value)];
            if (notIn.Count == 0)
            {
                reader.Error(ni, BundleErrorCodes.MissingRequired, $"argument condition on '{path}': not_in needs at least one allowed value");
            }
        }

        return new ArgumentCondition { Path = path, EqualsValue = f.OptionalString("equals"), Glob = f.OptionalString("glob"), Regex = regex, NotIn = notIn };
    }
}
