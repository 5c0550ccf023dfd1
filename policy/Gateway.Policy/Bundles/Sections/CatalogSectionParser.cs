using System.Text.RegularExpressions;
using Gateway.Policy.Tools;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>
/// Reads one entry of the <c>catalog</c> section (a connector or an MCP server's tool): kind, upstream and
/// destinations, auth and credential, and its settings; declares its name for the cross-reference checks.
/// </summary>
internal sealed partial class CatalogSectionParser(
    YamlNodeReader reader, CrossReferences references, SecretReferenceParser secrets, ConnectorSettingsParser settings, DegradeSpecParser degrade, PersonSectionParser people)
{
    private const int MaxDescriptionLength = 4096;

    public CatalogEntry? Parse(YamlNode node)
    {
        var f = reader.Mapping(node, "catalog entry", "name", "kind", "action_type", "risk_tier", "target_system", "data_classes", "external",
            "upstream", "destinations", "health_check", "credential", "auth", "limits", "degrade", "http", "connector", "mcp_tool", "a2a_skill", "card_key", "allow_internal_push", "push_hosts", "pin", "description", "input_schema", "person", "writeback", "pricing", "provider_tools", "audit");
        if (f is null)
        {
            return null;
        }

        var name = f.RequiredString("name");
        var kind = f.Required("kind") is { } k ? reader.Enum<ConnectorKind>(k, "connector kind") : null;
        var actionType = f.Required("action_type") is { } a ? reader.Enum<ActionType>(a, "action type") : null;

        Uri? upstream = null;
        if (f["upstream"] is { } up && reader.String(up, "upstream") is { } upText)
        {
            if (!Uri.TryCreate(upText, UriKind.Absolute, out upstream) || (upstream.Scheme != Uri.UriSchemeHttp && upstream.Scheme != Uri.UriSchemeHttps))
            {
                reader.Error(up, BundleErrorCodes.InvalidUrl, $"upstream {UrlInError.Of(upText)} must be an absolute http(s) URL");
                upstream = null;
            }
            else if (upstream.UserInfo.Length > 0)
            {
                reader.Error(up, BundleErrorCodes.InvalidUrl, $"upstream {UrlInError.Of(upText)} must not hold user information: a credential goes in 'credential' (the vault), never in the URL");
                upstream = null;
            }
        }
        else if (kind is { } kk && kk is not (ConnectorKind.McpTool or ConnectorKind.A2aSkill))
        {
            reader.Error(node, BundleErrorCodes.MissingRequired, $"catalog entry '{name}' needs 'upstream' (every kind except mcp_tool and a2a_skill)");
        }

        var destinations = f["destinations"] is { } ds ? ParseDestinations(ds, upstream) : [];
        if (destinations.Count > 0 && kind is ConnectorKind.McpTool or ConnectorKind.A2aSkill)
        {
            reader.Error(f["destinations"]!, BundleErrorCodes.InvalidValue, "'destinations' does not apply to kinds mcp_tool and a2a_skill (their server's destinations are used)");
        }

        if (upstream is not null && kind == ConnectorKind.A2aSkill)
        {
            reader.Error(f["upstream"]!, BundleErrorCodes.InvalidValue, "'upstream' does not apply to kind a2a_skill (its agent's upstream is used)");
            upstream = null;
        }

        var connector = f.OptionalString("connector");
        var mcpTool = f.OptionalString("mcp_tool");
        var (a2aSkill, cardKey) = A2aSettings(f, node, name, kind, connector);
        if (kind == ConnectorKind.McpTool)
        {
            if (connector is null || mcpTool is null)
            {
                reader.Error(node, BundleErrorCodes.MissingRequired, $"mcp_tool entry '{name}' needs 'connector' (the mcp entry) and 'mcp_tool' (the tool's name on that server)");
            }
        }
        else if (kind is not null && ((connector is not null && kind != ConnectorKind.A2aSkill) || mcpTool is not null))
        {
            reader.Error(f["connector"] ?? f["mcp_tool"]!, BundleErrorCodes.InvalidValue, "'connector' applies only to kinds mcp_tool and a2a_skill, 'mcp_tool' only to kind mcp_tool");
        }

        var pin = f.OptionalString("pin");
        if (pin is not null && (kind != ConnectorKind.McpTool || !PinFormat().IsMatch(pin)))
        {
            reader.Error(f["pin"]!, BundleErrorCodes.InvalidValue, kind != ConnectorKind.McpTool
                ? "'pin' applies only to kind mcp_tool"
                : $"pin '{pin}' must be 'sha256:' and 64 lowercase hex digits (gatewayctl catalog pin-mcp writes it)");
            pin = null;
        }

        var description = f.OptionalString("description");
        if (description is { Length: > MaxDescriptionLength })
        {
            reader.Error(f["description"]!, BundleErrorCodes.InvalidValue, $"a description is at most {MaxDescriptionLength} characters");
        }

        var inputSchema = f["input_schema"] is { } schemaNode ? ParseInputSchema(schemaNode, kind) : null;

        HttpBinding? http = null;
        if (f["http"] is { } httpNode)
        {
            if (kind is not (ConnectorKind.Http or ConnectorKind.Webhook) && kind is not null)
            {
                reader.Error(httpNode, BundleErrorCodes.InvalidValue, "'http' applies only to kinds http and webhook");
            }

            http = settings.ParseHttp(httpNode);
        }

        WritebackSettings? writeback = null;
        if (f["writeback"] is { } writebackNode)
        {
            if (kind is not ConnectorKind.Context && kind is not null)
            {
                reader.Error(writebackNode, BundleErrorCodes.InvalidValue, "'writeback' applies only to kind context (a workspace store)");
            }

            writeback = settings.ParseWriteback(writebackNode);
        }

        var pricing = f["pricing"] is { } pr ? ParsePricing(pr, kind) : null;
        var entry = name is null || kind is null || actionType is null ? null : new CatalogEntry
        {
            Name = name,
            Kind = kind.Value,
            ActionType = actionType.Value,
            RiskTier = f["risk_tier"] is { } rt ? reader.Enum<RiskTier>(rt, "risk_tier") ?? RiskTier.Critical : RiskTier.Low,
            TargetSystem = f.OptionalString("target_system"),
            DataClasses = f["data_classes"] is { } dc ? reader.DataClasses(dc, "data class") ?? DataClassSet.None : DataClassSet.None,
            External = f.OptionalBool("external", false),
            Upstream = upstream,
            Destinations = destinations,
            HealthCheck = f["health_check"] is { } hc ? settings.ParseHealthCheck(hc) : null,
            Credential = f["credential"] is { } cr && reader.String(cr, "credential") is { } crText ? secrets.Parse(cr, crText, "credential") : null,
            Auth = f["auth"] is { } au ? ParseAuth(au) : ConnectorAuth.Bearer,
            Person = f["person"] is { } pe ? people.ParseRequirement(pe, name, kind) : null,
            Limits = f["limits"] is { } li ? settings.ParseLimits(li) : ConnectorLimits.None,
            Degrade = f["degrade"] is { } de ? degrade.Parse(de, kind) : null,
            Http = http,
            Connector = connector,
            McpTool = mcpTool,
            A2aSkill = a2aSkill,
            CardKey = cardKey,
            AllowInternalPush = f.OptionalBool("allow_internal_push", false),
            PushHosts = f["push_hosts"] is { } ph ? ParsePushHosts(ph, kind) : null,
            Pin = pin,
            Description = description,
            InputSchema = inputSchema,
            Writeback = writeback,
            Pricing = pricing,
            ProviderTools = f["provider_tools"] is { } pt ? ParseProviderTools(pt, kind) : [],
            OutcomeBeforeResponse = f["audit"] is { } ad && settings.ParseOutcomeBeforeResponse(ad),
        };

        if (entry is not null)
        {
            if (!references.Catalog.TryAdd(entry.Name, entry))
            {
                reader.Error(node, BundleErrorCodes.DuplicateId, $"duplicate catalog entry '{entry.Name}'");
            }

            if (entry.Kind is ConnectorKind.McpTool or ConnectorKind.A2aSkill)
            {
                references.McpTools.Add((node, entry));
            }
        }

        return entry;
    }

    /// <summary>
    /// An <c>a2a_skill</c> entry's skill id (with its <c>connector</c>, the <c>a2a</c> agent) and an <c>a2a</c> entry's pinned
    /// card key (a public JWK: EC P-256 or RSA), each refused on any other kind.
    /// </summary>
    private (string? Skill, string? CardKey) A2aSettings(YamlNodeReader.Fields f, YamlNode node, string? name, ConnectorKind? kind, string? connector)
    {
        var skill = f.OptionalString("a2a_skill");
        if (kind == ConnectorKind.A2aSkill && (connector is null || skill is null))
        {
            reader.Error(node, BundleErrorCodes.MissingRequired, $"a2a_skill entry '{name}' needs 'connector' (the a2a entry) and 'a2a_skill' (the skill's id on its card)");
        }
        else if (kind is not null && kind != ConnectorKind.A2aSkill && skill is not null)
        {
            reader.Error(f["a2a_skill"]!, BundleErrorCodes.InvalidValue, "'a2a_skill' applies only to kind a2a_skill");
            skill = null;
        }

        string? cardKey = null;
        if (f["card_key"] is { } keyNode)
        {
            if (kind is not null && kind != ConnectorKind.A2a)
            {
                reader.Error(keyNode, BundleErrorCodes.InvalidValue, "'card_key' applies only to kind a2a");
            }
            else if (Authoring.YamlJson.KeyProblem(keyNode) is { } problem)
            {
                reader.Error(problem.Key, BundleErrorCodes.YamlSyntax, $"card_key: {problem.Problem}");
            }
            else if (A2aCardKeyText.Parse(Authoring.YamlJson.Convert(keyNode)) is { } parsed)
            {
                cardKey = parsed;
            }
            else
            {
                reader.Error(keyNode, BundleErrorCodes.InvalidValue, "card_key must be a public JWK: kty EC (crv P-256, x, y), or RSA (n, e), without private members");
            }
        }

        if (f["allow_internal_push"] is { } push && kind is not null && kind != ConnectorKind.A2a)
        {
            reader.Error(push, BundleErrorCodes.InvalidValue, "'allow_internal_push' applies only to kind a2a");
        }

        return (skill, cardKey);
    }

    /// <summary>An <c>a2a</c> entry's <c>push_hosts</c>, each canonical (<see cref="A2aPushHosts.Canonical"/>), once; refused on any other kind.</summary>
    private List<string> ParsePushHosts(YamlNode node, ConnectorKind? kind)
    {
        if (kind is not null && kind != ConnectorKind.A2a)
        {
            reader.Error(node, BundleErrorCodes.InvalidValue, "'push_hosts' applies only to kind a2a");
        }

        var hosts = new List<string>();
        foreach (var (text, item) in reader.StringList(node, "push_hosts"))
        {
            if (A2aPushHosts.Canonical(text, out var why) is not { } host)
            {
                reader.Error(item, BundleErrorCodes.InvalidValue, "push_hosts: " + why);
            }
            else if (hosts.Contains(host))
            {
                reader.Error(item, BundleErrorCodes.DuplicateId, $"push_hosts: '{text}' is listed twice");
            }
            else
            {
                hosts.Add(host);
            }
        }

        return hosts;
    }

    /// <summary>
    /// A model connector's <c>provider_tools</c>: the tools the provider runs itself (<c>web_search</c>, <c>code_execution</c>)
    /// its requests may name, each a tool type name once (Anthropic's with or without its date suffix); <c>mcp</c> (and <c>mcp_*</c>) is never allowed:
    /// the provider would connect to a server the request chooses, past the gateway's egress rules.
    /// </summary>
    private List<string> ParseProviderTools(YamlNode node, ConnectorKind? kind)
    {
        if (kind is { } known && !known.IsModel())
        {
            reader.Error(node, BundleErrorCodes.InvalidValue, "'provider_tools' applies only to model connectors (kinds openai and anthropic)");
        }

        var tools = new List<string>();
        if (node is not YamlSequenceNode)
        {
            reader.Error(node, BundleErrorCodes.InvalidValue, "provider_tools must be a list of tool type names (web_search, file_search, code_execution…)");
            return tools;
        }

        foreach (var (text, item) in reader.StringList(node, "provider_tools"))
        {
            if (!ProviderToolName().IsMatch(text))
            {
                reader.Error(item, BundleErrorCodes.InvalidValue, $"provider_tools: '{RefusedName(text)}' is not a tool type name (lowercase letters, digits and '_': web_search)");
            }
            else if (text == "mcp" || text.StartsWith("mcp_", StringComparison.Ordinal))
            {
                reader.Error(item, BundleErrorCodes.InvalidValue, $"provider_tools: '{text}' is never allowed: the provider would connect to an MCP server the request names, past the gateway's egress rules");
            }
            else if (tools.Contains(text))
            {
                reader.Error(item, BundleErrorCodes.DuplicateId, $"provider_tools: '{text}' is listed twice");
            }
            else
            {
                tools.Add(text);
            }
        }

        return tools;
    }

    private static string RefusedName(string text) => text.Length > 64 ? text[..64] + "…" : text;

    /// <summary>An http or webhook tool's input schema, as compact JSON; every error of it reported where it is written.</summary>
    private string? ParseInputSchema(YamlNode node, ConnectorKind? kind)
    {
        if (kind is not (ConnectorKind.Http or ConnectorKind.Webhook) && kind is not null)
        {
            reader.Error(node, BundleErrorCodes.InvalidValue, "'input_schema' applies only to kinds http and webhook (an MCP server describes its own tools)");
            return null;
        }

        // A key repeated under another tag (`!!str maximum` after `maximum`) would be a second member, and the last one wins.
        if (Authoring.YamlJson.KeyProblem(node) is { } problem)
        {
            reader.Error(problem.Key, BundleErrorCodes.YamlSyntax, $"input_schema: {problem.Problem}");
            return null;
        }

        var json = Authoring.YamlJson.Convert(node);
        System.Text.Json.JsonDocument schema;
        try
        {
            schema = System.Text.Json.JsonDocument.Parse(json, ToolInputRefusal.SchemaOptions);
        }
        catch (System.Text.Json.JsonException)
        {
            reader.Error(node, BundleErrorCodes.InvalidValue, $"input_schema is nested deeper than {ToolInputSchema.MaxDepth} schemas");
            return null;
        }

        IReadOnlyList<string> errors;
        using (schema)
        {
            errors = ToolInputSchema.Check(schema.RootElement);
        }

        foreach (var error in errors)
        {
            reader.Error(node, BundleErrorCodes.InvalidValue, "input_schema " + error);
        }

        return errors.Count == 0 ? json : null;
    }

    private ConnectorAuth ParseAuth(YamlNode node)
    {
        var text = reader.String(node, "auth");
        switch (text)
        {
            case null:
                return ConnectorAuth.Bearer;
            case "bearer":
                return ConnectorAuth.Bearer;
            case "x-api-key":
                return new ConnectorAuth { HeaderName = "x-api-key" };
        }

        if (text.StartsWith("header:", StringComparison.Ordinal) && HeaderName().IsMatch(text[7..]))
        {
            return new ConnectorAuth { HeaderName = text[7..] };
        }

        reader.Error(node, BundleErrorCodes.InvalidValue, "auth must be bearer, x-api-key or header:<Name> (its value is not shown: it may be a secret)");
        return ConnectorAuth.Bearer;
    }

    private List<Uri> ParseDestinations(YamlNode node, Uri? upstream)
    {
        var result = new List<Uri>();
        foreach (var item in reader.Sequence(node, "destinations"))
        {
            if (reader.String(item, "destination") is not { } text)
            {
                continue;
            }

            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                reader.Error(item, BundleErrorCodes.InvalidUrl, $"destination {UrlInError.Of(text)} must be an absolute http(s) URL");
            }
            else if (uri.UserInfo.Length > 0)
            {
                reader.Error(item, BundleErrorCodes.InvalidUrl, $"destination {UrlInError.Of(text)} must not hold user information: a credential goes in 'credential' (the vault), never in the URL");
            }
            else if (upstream is not null && !string.Equals(uri.AbsolutePath.TrimEnd('/'), upstream.AbsolutePath.TrimEnd('/'), StringComparison.Ordinal))
            {
                reader.Error(item, BundleErrorCodes.InvalidValue, $"destination {UrlInError.Of(text)} must have the same path as the upstream: destinations are copies of one service");
            }
            else if (result.Contains(uri) || uri == upstream)
            {
                reader.Error(item, BundleErrorCodes.DuplicateId, $"destination {UrlInError.Of(text)} is listed twice");
            }
            else
            {
                result.Add(uri);
            }
        }

        return result;
    }

    [GeneratedRegex("^[A-Za-z0-9-]+\\z", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderName();

    [GeneratedRegex("^sha256:[0-9a-f]{64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex PinFormat();

    [GeneratedRegex("^[a-z][a-z0-9_]{0,63}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ProviderToolName();
}
