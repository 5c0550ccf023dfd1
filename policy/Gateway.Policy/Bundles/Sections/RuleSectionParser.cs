using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>
/// Reads one entry of the <c>rules</c> section: kind, match, effect and reason, and what each effect takes
/// (approvers and approvals for require_approval, the reduced form for degrade, required fields).
/// </summary>
internal sealed partial class RuleSectionParser(YamlNodeReader reader, CrossReferences references, RuleMatchParser matches)
{
    public CustomRule? Parse(YamlNode node)
    {
        var f = reader.Mapping(node, "rule", "id", "kind", "match", "effect", "reason", "approvers", "approvals_required", "degrade", "require");
        if (f is null)
        {
            return null;
        }

        var id = f.RequiredString("id");
        var kind = f["kind"] is { } k ? reader.Enum<CustomRuleKind>(k, "rule kind") ?? CustomRuleKind.Match : CustomRuleKind.Match;
        var effect = f["effect"] is { } e ? reader.Enum<RuleEffect>(e, "rule effect")
            : kind == CustomRuleKind.PromptInjectionEgress ? RuleEffect.Block : f.Required("effect") is null ? null : (RuleEffect?)null;
        var reason = f.OptionalString("reason") ?? (kind == CustomRuleKind.PromptInjectionEgress ? "blocked_prompt_injection" : null);
        if (reason is null && f["reason"] is null)
        {
            reader.Error(node, BundleErrorCodes.MissingRequired, $"rule '{id}' needs 'reason' (a snake_case reason code)");
        }
        else if (reason is not null && !ReasonCode().IsMatch(reason))
        {
            reader.Error(f["reason"] ?? node, BundleErrorCodes.InvalidValue, $"reason '{reason}' must be snake_case");
        }

        var match = f["match"] is { } m ? matches.Parse(m, id) : RuleMatch.Everything;
        var approvers = f["approvers"] is { } ap ? references.ReferencedList(ap, "approver", $"rule '{id}'") : null;
        if (approvers is { Count: 0 })
        {
            reader.Error(f["approvers"]!, BundleErrorCodes.MissingRequired, $"rule '{id}' needs at least one approver; leave 'approvers' out to name the agent's security owner");
        }

        var required = 1;
        if (f["approvals_required"] is { } ar && reader.Integer(ar, "approvals_required", 1) is { } requiredValue)
        {
            required = (int)Math.Min(requiredValue, int.MaxValue);
            var distinct = approvers is { Count: > 0 } ? approvers.Distinct(StringComparer.Ordinal).Count() : 1;
            if (effect is not null && effect != RuleEffect.RequireApproval)
            {
                reader.Error(ar, BundleErrorCodes.InvalidValue, $"rule '{id}': approvals_required applies only to effect require_approval");
            }
            else if (required > distinct)
            {
                reader.Error(ar, BundleErrorCodes.ImpossibleValue, $"rule '{id}' requires {required} approvals but names only {distinct} distinct approver(s)");
            }
        }

        if (approvers is not null && effect is not null && effect != RuleEffect.RequireApproval)
        {
            reader.Error(f["approvers"]!, BundleErrorCodes.InvalidValue, $"rule '{id}': approvers apply only to effect require_approval");
        }

        DegradeMode? degrade = null;
        if (f["degrade"] is { } dn)
        {
            degrade = reader.Enum<DegradeMode>(dn, "rule degrade mode");
            if (effect is not null && effect != RuleEffect.Degrade)
            {
                reader.Error(dn, BundleErrorCodes.InvalidValue, $"rule '{id}': degrade applies only to effect degrade");
            }
            else if (degrade == DegradeMode.Route)
            {
                reader.Error(dn, BundleErrorCodes.InvalidValue, $"rule '{id}': a rule chooses read_only, redact, dry_run or mask (route needs a catalog route)");
            }
        }

        var requires = RequiredFields.None;
        if (f["require"] is { } rq)
        {
            foreach (var field in reader.EnumList<RequiredFields>(rq, "required field") ?? [])
            {
                requires |= field;
            }
        }

        return id is null || effect is null || reason is null || match is null ? null : new CustomRule
        {
            Id = id,
            Kind = kind,
            Match = match,
            Effect = effect.Value,
            Reason = reason,
            Approvers = approvers,
            ApprovalsRequired = required,
            DegradeMode = degrade,
            Requires = requires,
        };
    }

    [GeneratedRegex("^[a-z][a-z0-9_]*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ReasonCode();
}
