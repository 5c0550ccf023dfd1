using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>
/// Reads the <c>approvers</c> section (declaring each id) and the <c>approval_gates</c> section: what a gate matches,
/// its approvers and how many of them must approve.
/// </summary>
internal sealed class ApprovalSectionParser(YamlNodeReader reader, CrossReferences references)
{
    public Approver? ParseApprover(YamlNode node)
    {
        var f = reader.Mapping(node, "approver", "id", "name");
        if (f?.RequiredString("id") is not { } id)
        {
            return null;
        }

        if (!references.ApproverIds.Add(id))
        {
            reader.Error(node, BundleErrorCodes.DuplicateId, $"duplicate approver id '{id}'");
        }

        return new Approver { Id = id, Name = f.OptionalString("name") };
    }

    public ApprovalGate? ParseGate(YamlNode node)
    {
        var f = reader.Mapping(node, "approval gate", "id", "active", "match", "approvers", "approvals_required", "warrant_ttl");
        if (f is null)
        {
            return null;
        }

        var id = f.RequiredString("id");
        List<ActionType>? actionTypes = null;
        List<string>? tools = null;
        List<string>? targets = null;
        DataClassSet? classes = null;
        List<DeploymentEnvironment>? environments = null;
        if (f["match"] is { } matchNode && reader.Mapping(matchNode, "approval gate match", "action_types", "tools", "target_systems", "data_classes", "environments") is { } m)
        {
            MatchFields.RefuseEmpty(reader, m, $"approval gate '{id}' match", "action_types", "tools", "target_systems", "data_classes", "environments");
            actionTypes = m["action_types"] is { } at ? reader.EnumList<ActionType>(at, "action type") : null;
            tools = m["tools"] is { } t ? references.ReferencedList(t, "tool-glob", "approval gate match.tools") : null;
            targets = m["target_systems"] is { } ts ? references.ReferencedList(ts, "target-system", $"approval gate '{id}' match.target_systems") : null;
            classes = m["data_classes"] is { } dc ? reader.DataClasses(dc, "data class") : null;
            environments = m["environments"] is { } en ? reader.EnumList<DeploymentEnvironment>(en, "environment") : null;
        }

        var approvers = f.Required("approvers") is { } ap ? references.ReferencedList(ap, "approver", $"approval gate '{id}'") : [];
        var distinct = approvers.Distinct(StringComparer.Ordinal).Count();
        if (f["approvers"] is not null && approvers.Count == 0)
        {
            reader.Error(f["approvers"]!, BundleErrorCodes.MissingRequired, $"approval gate '{id}' needs at least one approver");
        }

        var required = 1;
        if (f["approvals_required"] is { } ar && reader.Integer(ar, "approvals_required", 1) is { } requiredValue)
        {
            required = (int)Math.Min(requiredValue, int.MaxValue);
            if (distinct > 0 && required > distinct)
            {
                reader.Error(ar, BundleErrorCodes.ImpossibleValue, $"approval gate '{id}' requires {required} approvals but names only {distinct} distinct approver(s)");
            }
        }

        var warrantTtl = f["warrant_ttl"] is { } ttl ? WarrantTtl(ttl) : ApprovalGate.DefaultWarrantTtl;
        return id is null ? null : new ApprovalGate
        {
            Id = id,
            Active = f.OptionalBool("active", true),
            ActionTypes = actionTypes,
            Tools = tools,
            TargetSystems = targets,
            DataClasses = classes,
            Environments = environments,
            Approvers = approvers,
            ApprovalsRequired = required,
            WarrantTtl = warrantTtl,
        };
    }

    /// <summary>A gate's <c>warrant_ttl</c>: at least one second (a warrant's life is whole seconds), else <c>invalid_duration</c>.</summary>
    private TimeSpan WarrantTtl(YamlNode node)
    {
        if (reader.Duration(node, "warrant_ttl") is not { } ttl)
        {
            return ApprovalGate.DefaultWarrantTtl;
        }

        if (ttl < TimeSpan.FromSeconds(1))
        {
            reader.Error(node, BundleErrorCodes.InvalidDuration, "warrant_ttl must be at least 1s (a warrant's life is whole seconds)");
            return ApprovalGate.DefaultWarrantTtl;
        }

        return ttl;
    }
}
