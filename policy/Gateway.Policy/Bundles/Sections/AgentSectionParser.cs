using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>
/// Reads one entry of the <c>agents</c> section (with its tool permissions) and declares its id. The catalog is
/// read first, so a permission without <c>action_types</c> takes its catalog entry's action type.
/// </summary>
internal sealed class AgentSectionParser(YamlNodeReader reader, CrossReferences references, SecretReferenceParser secrets)
{
    public AgentRecord? Parse(YamlNode node)
    {
        var f = reader.Mapping(node, "agent", "id", "name", "lifecycle", "human_owner", "security_owner", "atf_level", "risk_tier", "playbooks", "secret", "next_secret", "public_key", "next_public_key", "rotation_ends", "permissions", "interactive");
        if (f is null)
        {
            return null;
        }

        var id = f.RequiredString("id");
        if (id is not null && !references.AgentIds.Add(id))
        {
            reader.Error(node, BundleErrorCodes.DuplicateId, $"duplicate agent id '{id}'");
        }

        var playbooks = Playbooks.None;
        if (f["playbooks"] is { } pb)
        {
            foreach (var p in reader.EnumList<Playbooks>(pb, "playbook") ?? [])
            {
                playbooks |= p;
            }
        }

        var secret = ParseSecret(f, "secret");
        var nextSecret = ParseSecret(f, "next_secret");
        var publicKey = ParseKey(f, "public_key");
        var nextPublicKey = ParseKey(f, "next_public_key");
        CheckKeys(f, publicKey, nextPublicKey);
        var rotationEnds = ParseRotation(f, secret, nextSecret);

        var permissions = new List<ToolPermission>();
        var permittedTools = new HashSet<string>(StringComparer.Ordinal);
        if (f["permissions"] is { } perms)
        {
            foreach (var item in reader.Sequence(perms, "permissions"))
            {
                if (ParsePermission(item) is { } permission)
                {
                    if (!permittedTools.Add(permission.Tool))
                    {
                        reader.Error(item, BundleErrorCodes.DuplicateId, $"agent '{id}' has two permissions for tool '{permission.Tool}'");
                    }

                    permissions.Add(permission);
                }
            }
        }

        return id is null ? null : new AgentRecord
        {
            Id = id,
            Name = f.OptionalString("name"),
            Lifecycle = f["lifecycle"] is { } lc ? reader.Enum<AgentLifecycle>(lc, "lifecycle") ?? AgentLifecycle.Suspended : AgentLifecycle.Active,
            HumanOwner = f.OptionalString("human_owner"),
            SecurityOwner = f.OptionalString("security_owner"),
            AtfLevel = f["atf_level"] is { } atf ? reader.Enum<AtfLevel>(atf, "atf_level") : null,
            RiskTier = f["risk_tier"] is { } rt ? reader.Enum<RiskTier>(rt, "risk_tier") ?? RiskTier.Critical : RiskTier.Low,
            Playbooks = playbooks,
            Secret = secret,
            NextSecret = nextSecret,
            PublicKey = publicKey,
            NextPublicKey = nextPublicKey,
            RotationEnds = rotationEnds,
            Permissions = permissions,
            Interactive = f["interactive"] is { } interactive ? new InteractiveSectionParser(reader, references).Parse(interactive, id) : null,
        };
    }

    private SecretReference? ParseSecret(YamlNodeReader.Fields f, string key) =>
        f[key] is { } node && reader.String(node, "agent." + key) is { } text ? secrets.Parse(node, text, "agent." + key) : null;

    private AgentPublicKey? ParseKey(YamlNodeReader.Fields f, string key) =>
        f[key] is { } node ? new PublicKeyParser(reader).Parse(node, "agent." + key) : null;

    /// <summary>
    /// Checks an agent's keys: a secret or a public key, never both; a <c>next_public_key</c> needs a <c>public_key</c> to
    /// rotate from and must be another key under another key id.
    /// </summary>
    private void CheckKeys(YamlNodeReader.Fields f, AgentPublicKey? publicKey, AgentPublicKey? nextPublicKey)
    {
        if (f["public_key"] is { } keyNode && (f["secret"] is not null || f["next_secret"] is not null))
        {
            reader.Error(keyNode, BundleErrorCodes.InvalidValue, "an agent signs with a secret or with a public key, not both: remove agent.secret and agent.next_secret, or agent.public_key");
        }

        if (f["next_public_key"] is not { } nextNode)
        {
            return;
        }

        if (f["public_key"] is null)
        {
            reader.Error(nextNode, BundleErrorCodes.MissingRequired, "agent.next_public_key needs agent.public_key, the key it rotates from");
        }
        else if (publicKey is not null && nextPublicKey is not null)
        {
            if (publicKey.KeyId == nextPublicKey.KeyId)
            {
                reader.Error(nextNode, BundleErrorCodes.InvalidValue, $"agent.next_public_key has the same key_id '{nextPublicKey.KeyId}' as agent.public_key");
            }
            else if (publicKey.SubjectPublicKeyInfo.Span.SequenceEqual(nextPublicKey.SubjectPublicKeyInfo.Span))
            {
                reader.Error(nextNode, BundleErrorCodes.InvalidValue, "agent.next_public_key is the same key as agent.public_key");
            }
        }
    }

    /// <summary>
    /// Checks the rotation fields: a <c>next_secret</c> needs a <c>secret</c> to rotate from and must name another one;
    /// <c>rotation_ends</c> is an ISO-8601 instant with an offset, and only with a <c>next_secret</c> or a <c>next_public_key</c>.
    /// </summary>
    private DateTimeOffset? ParseRotation(YamlNodeReader.Fields f, SecretReference? secret, SecretReference? nextSecret)
    {
        if (f["next_secret"] is { } nextNode && nextSecret is not null)
        {
            if (f["secret"] is null)
            {
                reader.Error(nextNode, BundleErrorCodes.MissingRequired, "agent.next_secret needs agent.secret, the secret it rotates from");
            }
            else if (secret is not null && secret.ToString() == nextSecret.ToString())
            {
                reader.Error(nextNode, BundleErrorCodes.InvalidValue, $"agent.next_secret '{nextSecret}' names the same secret as agent.secret");
            }
            else if (nextSecret.Source == SecretSource.None)
            {
                reader.Error(nextNode, BundleErrorCodes.InvalidValue, "agent.next_secret cannot be none");
            }
        }

        if (f["rotation_ends"] is not { } endsNode || reader.String(endsNode, "agent.rotation_ends") is not { } text)
        {
            return null;
        }

        if (!RotationInstant.TryParse(text, out var ends))
        {
            reader.Error(endsNode, BundleErrorCodes.InvalidValue, $"agent.rotation_ends '{text}' is not an ISO-8601 instant with an offset (e.g. 2026-12-01T00:00:00Z)");
            return null;
        }

        if (f["next_secret"] is null && f["next_public_key"] is null)
        {
            reader.Error(endsNode, BundleErrorCodes.MissingRequired, "agent.rotation_ends needs agent.next_secret or agent.next_public_key, the secret or key accepted after it");
        }

        return ends;
    }

    private ToolPermission? ParsePermission(YamlNode node)
    {
        var f = reader.Mapping(node, "permission", "tool", "action_types", "audit_logging", "human_approval_required");
        if (f?.RequiredString("tool") is not { } tool)
        {
            return null;
        }

        references.Reference(f["tool"]!, "tool", tool, "permission");
        List<ActionType>? types = f["action_types"] is { } at ? reader.EnumList<ActionType>(at, "action type") : null;
        // The catalog is read before the agents, so an omitted list can default to the entry's own action type.
        types ??= references.Catalog.TryGetValue(tool, out var entry) ? [entry.ActionType] : [];
        return new ToolPermission
        {
            Tool = tool,
            ActionTypes = types,
            AuditLogging = f.OptionalBool("audit_logging", true),
            HumanApprovalRequired = f.OptionalBool("human_approval_required", false),
        };
    }
}
