using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>
/// Parses and validates one tenant file into a <see cref="TenantRegister"/>, collecting every error.
/// References are checked after all sections are read, so section order in the file does not matter.
/// </summary>
internal sealed partial class TenantFileParser
{
    private readonly YamlNodeReader _r;
    private readonly string _baseDirectory;
    private readonly List<(YamlNode Node, string Kind, string Name, string What)> _references = [];
    private readonly HashSet<string> _agentIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CatalogEntry> _catalog = new(StringComparer.Ordinal);
    private readonly HashSet<string> _approverIds = new(StringComparer.Ordinal);
    private readonly List<(YamlNode Node, CatalogEntry Entry)> _mcpTools = [];

    public TenantFileParser(YamlNodeReader reader, string baseDirectory)
    {
        _r = reader;
        _baseDirectory = baseDirectory;
    }

    public TenantRegister? Parse(YamlNode root)
    {
        var f = _r.Mapping(root, "tenant file", "tenant", "environment", "simulate", "workspaces", "approvers", "agents", "catalog",
            "approval_gates", "data_flows", "risks", "red_team_tests", "rules", "rate_limits", "budgets", "default_verdict", "compatible_with");
        if (f is null)
        {
            return null;
        }

        var slug = f.RequiredString("tenant");
        if (slug is not null && !Slug().IsMatch(slug))
        {
            _r.Error(f["tenant"]!, BundleErrorCodes.InvalidValue, $"tenant '{slug}' must be a lowercase slug ([a-z0-9][a-z0-9-]*)");
        }

        var environment = f["environment"] is { } env ? _r.Enum<DeploymentEnvironment>(env, "environment") ?? DeploymentEnvironment.Prod : DeploymentEnvironment.Prod;
        var workspaces = Unique(f.Required("workspaces") is { } ws ? _r.StringList(ws, "workspace") : [], "workspace");
        if (f["workspaces"] is { } wsNode && workspaces.Count == 0 && wsNode is YamlSequenceNode)
        {
            _r.Error(wsNode, BundleErrorCodes.MissingRequired, "workspaces needs at least one workspace id");
        }

        var approvers = List(f["approvers"], "approvers", ParseApprover);
        var catalog = List(f["catalog"], "catalog", ParseCatalogEntry);
        var agents = List(f["agents"], "agents", ParseAgent);
        var gates = List(f["approval_gates"], "approval_gates", ParseGate);
        var flows = List(f["data_flows"], "data_flows", ParseFlow);
        var risks = List(f["risks"], "risks", ParseRisk);
        var tests = List(f["red_team_tests"], "red_team_tests", ParseRedTeam);
        var rules = List(f["rules"], "rules", ParseRule);
        var limits = List(f["rate_limits"], "rate_limits", ParseRateLimit);
        var budgets = List(f["budgets"], "budgets", ParseBudget);

        var defaultVerdict = f["default_verdict"] is { } dv ? _r.Enum<RuleEffect>(dv, "default_verdict") ?? RuleEffect.Block : RuleEffect.Allow;
        var compatibleWith = new List<string>();
        if (f["compatible_with"] is { } cw)
        {
            foreach (var (digest, digestNode) in _r.StringList(cw, "compatible_with"))
            {
                if (!PolicyDigestText().IsMatch(digest))
                {
                    _r.Error(digestNode, BundleErrorCodes.InvalidValue, $"compatible_with entry '{digest}' must be a policy digest (64 lowercase hex characters)");
                }

                compatibleWith.Add(digest);
            }
        }

        CheckIds(gates.Select(g => (g.Item.Id, g.Node)), "approval gate");
        CheckIds(risks.Select(g => (g.Item.Id, g.Node)), "risk or finding");
        CheckIds(rules.Select(g => (g.Item.Id, g.Node)), "rule");
        CheckMcpTools();
        CheckReferences();

        return slug is null ? null : new TenantRegister
        {
            Tenant = slug,
            Environment = environment,
            Simulate = f.OptionalBool("simulate", false),
            Workspaces = workspaces,
            Approvers = Items(approvers),
            Catalog = Items(catalog),
            Agents = Items(agents),
            Gates = Items(gates),
            DataFlows = Items(flows),
            Risks = Items(risks),
            RedTeamTests = Items(tests),
            Rules = Items(rules),
            RateLimits = Items(limits),
            Budgets = Items(budgets),
            DefaultVerdict = defaultVerdict,
            CompatibleWith = compatibleWith,
        };
    }

    private static List<T> Items<T>(List<(T Item, YamlNode Node)> list) => [.. list.Select(p => p.Item)];

    private List<(T Item, YamlNode Node)> List<T>(YamlNode? node, string what, Func<YamlNode, T?> parse)
        where T : class
    {
        var list = new List<(T, YamlNode)>();
        if (node is null)
        {
            return list;
        }

        foreach (var item in _r.Sequence(node, what))
        {
            if (parse(item) is { } parsed)
            {
                list.Add((parsed, item));
            }
        }

        return list;
    }

    private List<string> Unique(List<(string Value, YamlNode Node)> values, string what)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (value, node) in values)
        {
            if (!seen.Add(value))
            {
                _r.Error(node, BundleErrorCodes.DuplicateId, $"duplicate {what} '{value}'");
            }
        }

        return [.. seen];
    }

    private void CheckIds(IEnumerable<(string Id, YamlNode Node)> items, string what)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, node) in items)
        {
            if (!seen.Add(id))
            {
                _r.Error(node, BundleErrorCodes.DuplicateId, $"duplicate {what} id '{id}'");
            }
        }
    }

    private void Reference(YamlNode node, string kind, string name, string what) => _references.Add((node, kind, name, what));

    private void CheckReferences()
    {
        foreach (var (node, kind, name, what) in _references)
        {
            var known = kind switch
            {
                "agent" => name == "*" || _agentIds.Contains(name),
                "agent-glob" => name.Contains('*', StringComparison.Ordinal) || name.Contains('?', StringComparison.Ordinal) || _agentIds.Contains(name),
                "tool" => name == "*" || _catalog.ContainsKey(name),
                "tool-glob" => name.Contains('*', StringComparison.Ordinal) || name.Contains('?', StringComparison.Ordinal) || _catalog.ContainsKey(name),
                "approver" => _approverIds.Contains(name),
                _ => false,
            };
            if (!known)
            {
                var noun = kind.StartsWith("agent", StringComparison.Ordinal) ? "agent" : kind.StartsWith("tool", StringComparison.Ordinal) ? "catalog entry" : "approver";
                _r.Error(node, BundleErrorCodes.DanglingReference, $"{what} names unknown {noun} '{name}'");
            }
        }
    }

    private void CheckMcpTools()
    {
        foreach (var (node, entry) in _mcpTools)
        {
            if (entry.Connector is { } connector && (!_catalog.TryGetValue(connector, out var server) || server.Kind != ConnectorKind.Mcp))
            {
                _r.Error(node, BundleErrorCodes.DanglingReference, $"mcp_tool '{entry.Name}' names connector '{connector}', which is not an mcp entry of the catalog");
            }
        }
    }

    private Approver? ParseApprover(YamlNode node)
    {
        var f = _r.Mapping(node, "approver", "id", "name");
        if (f?.RequiredString("id") is not { } id)
        {
            return null;
        }

        if (!_approverIds.Add(id))
        {
            _r.Error(node, BundleErrorCodes.DuplicateId, $"duplicate approver id '{id}'");
        }

        return new Approver { Id = id, Name = f.OptionalString("name") };
    }

    private AgentRecord? ParseAgent(YamlNode node)
    {
        var f = _r.Mapping(node, "agent", "id", "name", "lifecycle", "human_owner", "security_owner", "atf_level", "risk_tier", "playbooks", "secret", "permissions");
        if (f is null)
        {
            return null;
        }

        var id = f.RequiredString("id");
        if (id is not null && !_agentIds.Add(id))
        {
            _r.Error(node, BundleErrorCodes.DuplicateId, $"duplicate agent id '{id}'");
        }

        var playbooks = Playbooks.None;
        if (f["playbooks"] is { } pb)
        {
            foreach (var p in _r.EnumList<Playbooks>(pb, "playbook") ?? [])
            {
                playbooks |= p;
            }
        }

        SecretReference? secret = null;
        if (f["secret"] is { } secretNode && _r.String(secretNode, "agent.secret") is { } secretText)
        {
            secret = ParseSecret(secretNode, secretText, "agent.secret");
        }

        var permissions = new List<ToolPermission>();
        var permittedTools = new HashSet<string>(StringComparer.Ordinal);
        if (f["permissions"] is { } perms)
        {
            foreach (var item in _r.Sequence(perms, "permissions"))
            {
                if (ParsePermission(item) is { } permission)
                {
                    if (!permittedTools.Add(permission.Tool))
                    {
                        _r.Error(item, BundleErrorCodes.DuplicateId, $"agent '{id}' has two permissions for tool '{permission.Tool}'");
                    }

                    permissions.Add(permission);
                }
            }
        }

        return id is null ? null : new AgentRecord
        {
            Id = id,
            Name = f.OptionalString("name"),
            Lifecycle = f["lifecycle"] is { } lc ? _r.Enum<AgentLifecycle>(lc, "lifecycle") ?? AgentLifecycle.Suspended : AgentLifecycle.Active,
            HumanOwner = f.OptionalString("human_owner"),
            SecurityOwner = f.OptionalString("security_owner"),
            AtfLevel = f["atf_level"] is { } atf ? _r.Enum<AtfLevel>(atf, "atf_level") : null,
            RiskTier = f["risk_tier"] is { } rt ? _r.Enum<RiskTier>(rt, "risk_tier") ?? RiskTier.Critical : RiskTier.Low,
            Playbooks = playbooks,
            Secret = secret,
            Permissions = permissions,
        };
    }

    private ToolPermission? ParsePermission(YamlNode node)
    {
        var f = _r.Mapping(node, "permission", "tool", "action_types", "audit_logging", "human_approval_required");
        if (f?.RequiredString("tool") is not { } tool)
        {
            return null;
        }

        Reference(f["tool"]!, "tool", tool, "permission");
        List<ActionType>? types = f["action_types"] is { } at ? _r.EnumList<ActionType>(at, "action type") : null;
        // The catalog is read before the agents, so an omitted list can default to the entry's own action type.
        types ??= _catalog.TryGetValue(tool, out var entry) ? [entry.ActionType] : [];
        return new ToolPermission
        {
            Tool = tool,
            ActionTypes = types,
            AuditLogging = f.OptionalBool("audit_logging", true),
            HumanApprovalRequired = f.OptionalBool("human_approval_required", false),
        };
    }

    private SecretReference? ParseSecret(YamlNode node, string text, string what)
    {
        if (!SecretReference.TryParse(text, _baseDirectory, out var reference))
        {
            _r.Error(node, BundleErrorCodes.InvalidReference, $"{what} '{text}' must be vault:<name>, env:<VAR>, file:<path> or none");
            return null;
        }

        if (reference!.Source == SecretSource.Environment && !EnvName().IsMatch(reference.Name))
        {
            _r.Error(node, BundleErrorCodes.InvalidReference, $"{what} '{text}' does not name a valid environment variable");
        }

        if (reference.Source == SecretSource.File && !System.IO.File.Exists(reference.ResolvedPath))
        {
            _r.Error(node, BundleErrorCodes.SecretFileMissing, $"{what} file '{reference.Name}' does not exist (resolved to {reference.ResolvedPath})");
        }

        return reference;
    }

    private CatalogEntry? ParseCatalogEntry(YamlNode node)
    {
        var f = _r.Mapping(node, "catalog entry", "name", "kind", "action_type", "risk_tier", "target_system", "data_classes", "external",
            "upstream", "destinations", "health_check", "credential", "auth", "limits", "degrade", "http", "connector", "mcp_tool");
        if (f is null)
        {
            return null;
        }

        var name = f.RequiredString("name");
        var kind = f.Required("kind") is { } k ? _r.Enum<ConnectorKind>(k, "connector kind") : null;
        var actionType = f.Required("action_type") is { } a ? _r.Enum<ActionType>(a, "action type") : null;

        Uri? upstream = null;
        if (f["upstream"] is { } up && _r.String(up, "upstream") is { } upText)
        {
            if (!Uri.TryCreate(upText, UriKind.Absolute, out upstream) || (upstream.Scheme != Uri.UriSchemeHttp && upstream.Scheme != Uri.UriSchemeHttps))
            {
                _r.Error(up, BundleErrorCodes.InvalidUrl, $"upstream '{upText}' must be an absolute http(s) URL");
                upstream = null;
            }
        }
        else if (kind is { } kk && kk != ConnectorKind.McpTool)
        {
            _r.Error(node, BundleErrorCodes.MissingRequired, $"catalog entry '{name}' needs 'upstream' (every kind except mcp_tool)");
        }

        var destinations = f["destinations"] is { } ds ? ParseDestinations(ds, upstream) : [];
        if (destinations.Count > 0 && kind == ConnectorKind.McpTool)
        {
            _r.Error(f["destinations"]!, BundleErrorCodes.InvalidValue, "'destinations' does not apply to kind mcp_tool (its server's destinations are used)");
        }

        var connector = f.OptionalString("connector");
        var mcpTool = f.OptionalString("mcp_tool");
        if (kind == ConnectorKind.McpTool)
        {
            if (connector is null || mcpTool is null)
            {
                _r.Error(node, BundleErrorCodes.MissingRequired, $"mcp_tool entry '{name}' needs 'connector' (the mcp entry) and 'mcp_tool' (the tool's name on that server)");
            }
        }
        else if (kind is not null && (connector is not null || mcpTool is not null))
        {
            _r.Error(f["connector"] ?? f["mcp_tool"]!, BundleErrorCodes.InvalidValue, "'connector' and 'mcp_tool' apply only to kind mcp_tool");
        }

        HttpBinding? http = null;
        if (f["http"] is { } httpNode)
        {
            if (kind is not (ConnectorKind.Http or ConnectorKind.Webhook) && kind is not null)
            {
                _r.Error(httpNode, BundleErrorCodes.InvalidValue, "'http' applies only to kinds http and webhook");
            }

            http = ParseHttp(httpNode);
        }

        var entry = name is null || kind is null || actionType is null ? null : new CatalogEntry
        {
            Name = name,
            Kind = kind.Value,
            ActionType = actionType.Value,
            RiskTier = f["risk_tier"] is { } rt ? _r.Enum<RiskTier>(rt, "risk_tier") ?? RiskTier.Critical : RiskTier.Low,
            TargetSystem = f.OptionalString("target_system"),
            DataClasses = f["data_classes"] is { } dc ? _r.DataClasses(dc, "data class") ?? DataClassSet.None : DataClassSet.None,
            External = f.OptionalBool("external", false),
            Upstream = upstream,
            Destinations = destinations,
            HealthCheck = f["health_check"] is { } hc ? ParseHealthCheck(hc) : null,
            Credential = f["credential"] is { } cr && _r.String(cr, "credential") is { } crText ? ParseSecret(cr, crText, "credential") : null,
            Auth = f["auth"] is { } au ? ParseAuth(au) : ConnectorAuth.Bearer,
            Limits = f["limits"] is { } li ? ParseLimits(li) : ConnectorLimits.None,
            Degrade = f["degrade"] is { } de ? ParseDegrade(de) : null,
            Http = http,
            Connector = connector,
            McpTool = mcpTool,
        };

        if (entry is not null)
        {
            if (!_catalog.TryAdd(entry.Name, entry))
            {
                _r.Error(node, BundleErrorCodes.DuplicateId, $"duplicate catalog entry '{entry.Name}'");
            }

            if (entry.Kind == ConnectorKind.McpTool)
            {
                _mcpTools.Add((node, entry));
            }
        }

        return entry;
    }

    private ConnectorAuth ParseAuth(YamlNode node)
    {
        var text = _r.String(node, "auth");
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

        _r.Error(node, BundleErrorCodes.InvalidValue, $"auth '{text}' must be bearer, x-api-key or header:<Name>");
        return ConnectorAuth.Bearer;
    }

    private List<Uri> ParseDestinations(YamlNode node, Uri? upstream)
    {
        var result = new List<Uri>();
        foreach (var item in _r.Sequence(node, "destinations"))
        {
            if (_r.String(item, "destination") is not { } text)
            {
                continue;
            }

            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                _r.Error(item, BundleErrorCodes.InvalidUrl, $"destination '{text}' must be an absolute http(s) URL");
            }
            else if (upstream is not null && !string.Equals(uri.AbsolutePath.TrimEnd('/'), upstream.AbsolutePath.TrimEnd('/'), StringComparison.Ordinal))
            {
                _r.Error(item, BundleErrorCodes.InvalidValue, $"destination '{text}' must have the same path as the upstream ('{upstream.AbsolutePath}'): destinations are copies of one service");
            }
            else if (result.Contains(uri) || uri == upstream)
            {
                _r.Error(item, BundleErrorCodes.DuplicateId, $"destination '{text}' is listed twice");
            }
            else
            {
                result.Add(uri);
            }
        }

        return result;
    }

    private ConnectorHealthCheck? ParseHealthCheck(YamlNode node)
    {
        var f = _r.Mapping(node, "health_check", "path", "interval", "timeout");
        if (f is null || f.RequiredString("path") is not { } path)
        {
            return null;
        }

        if (!path.StartsWith('/') || path.Contains("..", StringComparison.Ordinal) || path.Contains('?', StringComparison.Ordinal))
        {
            _r.Error(f["path"]!, BundleErrorCodes.InvalidValue, $"health_check.path '{path}' must be an absolute path without '..' or a query");
            return null;
        }

        var check = new ConnectorHealthCheck { Path = path };
        if (f["interval"] is { } i && _r.Duration(i, "health_check.interval") is { } interval)
        {
            check = check with { Interval = interval };
        }

        if (f["timeout"] is { } t && _r.Duration(t, "health_check.timeout") is { } timeout)
        {
            check = check with { Timeout = timeout };
        }

        if (check.Timeout > check.Interval)
        {
            _r.Error(node, BundleErrorCodes.InvalidValue, "health_check.timeout must not exceed health_check.interval");
        }

        return check;
    }

    private ConnectorLimits ParseLimits(YamlNode node)
    {
        var f = _r.Mapping(node, "limits", "max_request_bytes", "max_response_bytes", "timeout");
        if (f is null)
        {
            return ConnectorLimits.None;
        }

        return new ConnectorLimits
        {
            MaxRequestBytes = f["max_request_bytes"] is { } a ? _r.Integer(a, "limits.max_request_bytes", 1) : null,
            MaxResponseBytes = f["max_response_bytes"] is { } b ? _r.Integer(b, "limits.max_response_bytes", 1) : null,
            Timeout = f["timeout"] is { } t ? _r.Duration(t, "limits.timeout") : null,
        };
    }

    private DegradeSpec? ParseDegrade(YamlNode node)
    {
        var f = _r.Mapping(node, "degrade", "mode", "route");
        if (f is null || (f.Required("mode") is { } m ? _r.Enum<DegradeMode>(m, "degrade mode") : null) is not { } mode)
        {
            return null;
        }

        DegradeRoute? route = null;
        if (f["route"] is { } routeNode)
        {
            if (mode != DegradeMode.Route)
            {
                _r.Error(routeNode, BundleErrorCodes.InvalidValue, "'route' applies only to degrade mode route");
            }

            var rf = _r.Mapping(routeNode, "degrade.route", "model", "max_tokens");
            if (rf is not null)
            {
                route = new DegradeRoute
                {
                    Model = rf.OptionalString("model"),
                    MaxTokens = rf["max_tokens"] is { } mt ? (int?)_r.Integer(mt, "degrade.route.max_tokens", 1) : null,
                };
            }
        }
        else if (mode == DegradeMode.Route)
        {
            _r.Error(node, BundleErrorCodes.MissingRequired, "degrade mode route needs 'route' (model and/or max_tokens)");
        }

        return new DegradeSpec { Mode = mode, Route = route };
    }

    private HttpBinding? ParseHttp(YamlNode node)
    {
        var f = _r.Mapping(node, "http", "method", "path", "args");
        if (f is null)
        {
            return null;
        }

        var method = f.OptionalString("method") ?? "POST";
        if (method is not ("GET" or "POST" or "PUT" or "PATCH" or "DELETE"))
        {
            _r.Error(f["method"]!, BundleErrorCodes.InvalidValue, $"http.method '{method}' must be GET, POST, PUT, PATCH or DELETE");
        }

        var path = f.OptionalString("path") ?? string.Empty;
        if (path.Length > 0 && path[0] != '/')
        {
            _r.Error(f["path"]!, BundleErrorCodes.InvalidValue, $"http.path '{path}' must start with '/'");
        }

        return new HttpBinding
        {
            Method = method,
            Path = path,
            Args = f["args"] is { } a ? _r.Enum<ArgumentLocation>(a, "http.args") ?? ArgumentLocation.Body : ArgumentLocation.Body,
        };
    }

    private ApprovalGate? ParseGate(YamlNode node)
    {
        var f = _r.Mapping(node, "approval gate", "id", "active", "match", "approvers", "approvals_required", "warrant_ttl");
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
        if (f["match"] is { } matchNode && _r.Mapping(matchNode, "approval gate match", "action_types", "tools", "target_systems", "data_classes", "environments") is { } m)
        {
            actionTypes = m["action_types"] is { } at ? _r.EnumList<ActionType>(at, "action type") : null;
            tools = m["tools"] is { } t ? ReferencedList(t, "tool-glob", "approval gate match.tools") : null;
            targets = m["target_systems"] is { } ts ? [.. _r.StringList(ts, "target system").Select(x => x.Value)] : null;
            classes = m["data_classes"] is { } dc ? _r.DataClasses(dc, "data class") : null;
            environments = m["environments"] is { } en ? _r.EnumList<DeploymentEnvironment>(en, "environment") : null;
        }

        var approvers = f.Required("approvers") is { } ap ? ReferencedList(ap, "approver", $"approval gate '{id}'") : [];
        var distinct = approvers.Distinct(StringComparer.Ordinal).Count();
        if (f["approvers"] is not null && approvers.Count == 0)
        {
            _r.Error(f["approvers"]!, BundleErrorCodes.MissingRequired, $"approval gate '{id}' needs at least one approver");
        }

        var required = 1;
        if (f["approvals_required"] is { } ar && _r.Integer(ar, "approvals_required", 1) is { } requiredValue)
        {
            required = (int)Math.Min(requiredValue, int.MaxValue);
            if (distinct > 0 && required > distinct)
            {
                _r.Error(ar, BundleErrorCodes.ImpossibleValue, $"approval gate '{id}' requires {required} approvals but names only {distinct} distinct approver(s)");
            }
        }

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
            WarrantTtl = f["warrant_ttl"] is { } ttl ? _r.Duration(ttl, "warrant_ttl") ?? TimeSpan.FromMinutes(15) : TimeSpan.FromMinutes(15),
        };
    }

    private List<string> ReferencedList(YamlNode node, string kind, string what)
    {
        var list = _r.StringList(node, what);
        foreach (var (value, item) in list)
        {
            Reference(item, kind, value, what);
        }

        return [.. list.Select(x => x.Value)];
    }

    private DataFlow? ParseFlow(YamlNode node)
    {
        var f = _r.Mapping(node, "data flow", "agent", "tool", "data_classes");
        if (f is null)
        {
            return null;
        }

        var agent = f.RequiredString("agent");
        var tool = f.RequiredString("tool");
        if (agent is not null)
        {
            Reference(f["agent"]!, "agent", agent, "data flow");
        }

        if (tool is not null)
        {
            Reference(f["tool"]!, "tool", tool, "data flow");
        }

        var classes = f.Required("data_classes") is { } dc ? _r.DataClasses(dc, "data class") : null;
        return agent is null || tool is null || classes is null ? null : new DataFlow { Agent = agent, Tool = tool, DataClasses = classes.Value };
    }

    private RiskItem? ParseRisk(YamlNode node)
    {
        var f = _r.Mapping(node, "risk", "id", "kind", "title", "severity", "status", "agents");
        if (f is null)
        {
            return null;
        }

        var id = f.RequiredString("id");
        var severity = f.Required("severity") is { } s ? _r.Enum<Severity>(s, "severity") : null;
        var agents = f.Required("agents") is { } a ? ReferencedList(a, "agent", $"risk '{id}'") : [];
        return id is null || severity is null ? null : new RiskItem
        {
            Id = id,
            Kind = f["kind"] is { } k ? _r.Enum<RiskItemKind>(k, "risk kind") ?? RiskItemKind.Finding : RiskItemKind.Finding,
            Title = f.OptionalString("title"),
            Severity = severity.Value,
            Status = f["status"] is { } st ? _r.Enum<RiskItemStatus>(st, "status") ?? RiskItemStatus.Open : RiskItemStatus.Open,
            Agents = agents,
        };
    }

    private RedTeamTest? ParseRedTeam(YamlNode node)
    {
        var f = _r.Mapping(node, "red-team test", "agent", "scenario", "passed", "date");
        if (f is null)
        {
            return null;
        }

        var agent = f.RequiredString("agent");
        if (agent is not null)
        {
            Reference(f["agent"]!, "agent", agent, "red-team test");
        }

        var scenario = f.RequiredString("scenario");
        var passed = f.Required("passed") is { } p ? _r.Bool(p, "passed") : null;
        DateOnly? date = null;
        if (f["date"] is { } d && _r.String(d, "date") is { } dateText)
        {
            if (DateOnly.TryParseExact(dateText, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var parsed))
            {
                date = parsed;
            }
            else
            {
                _r.Error(d, BundleErrorCodes.InvalidValue, $"date '{dateText}' must be YYYY-MM-DD");
            }
        }

        return agent is null || scenario is null || passed is null ? null : new RedTeamTest { Agent = agent, Scenario = scenario, Passed = passed.Value, Date = date };
    }

    private CustomRule? ParseRule(YamlNode node)
    {
        var f = _r.Mapping(node, "rule", "id", "kind", "match", "effect", "reason", "approvers", "approvals_required", "degrade", "require");
        if (f is null)
        {
            return null;
        }

        var id = f.RequiredString("id");
        var kind = f["kind"] is { } k ? _r.Enum<CustomRuleKind>(k, "rule kind") ?? CustomRuleKind.Match : CustomRuleKind.Match;
        var effect = f["effect"] is { } e ? _r.Enum<RuleEffect>(e, "rule effect")
            : kind == CustomRuleKind.PromptInjectionEgress ? RuleEffect.Block : f.Required("effect") is null ? null : (RuleEffect?)null;
        var reason = f.OptionalString("reason") ?? (kind == CustomRuleKind.PromptInjectionEgress ? "blocked_prompt_injection" : null);
        if (reason is null && f["reason"] is null)
        {
            _r.Error(node, BundleErrorCodes.MissingRequired, $"rule '{id}' needs 'reason' (a snake_case reason code)");
        }
        else if (reason is not null && !ReasonCode().IsMatch(reason))
        {
            _r.Error(f["reason"] ?? node, BundleErrorCodes.InvalidValue, $"reason '{reason}' must be snake_case");
        }

        var match = f["match"] is { } m ? ParseRuleMatch(m, id) : RuleMatch.Everything;
        var approvers = f["approvers"] is { } ap ? ReferencedList(ap, "approver", $"rule '{id}'") : null;
        var required = 1;
        if (f["approvals_required"] is { } ar && _r.Integer(ar, "approvals_required", 1) is { } requiredValue)
        {
            required = (int)Math.Min(requiredValue, int.MaxValue);
            var distinct = approvers?.Distinct(StringComparer.Ordinal).Count() ?? 1;
            if (effect is not null && effect != RuleEffect.RequireApproval)
            {
                _r.Error(ar, BundleErrorCodes.InvalidValue, $"rule '{id}': approvals_required applies only to effect require_approval");
            }
            else if (required > distinct)
            {
                _r.Error(ar, BundleErrorCodes.ImpossibleValue, $"rule '{id}' requires {required} approvals but names only {distinct} distinct approver(s)");
            }
        }

        if (approvers is not null && effect is not null && effect != RuleEffect.RequireApproval)
        {
            _r.Error(f["approvers"]!, BundleErrorCodes.InvalidValue, $"rule '{id}': approvers apply only to effect require_approval");
        }

        DegradeMode? degrade = null;
        if (f["degrade"] is { } dn)
        {
            degrade = _r.Enum<DegradeMode>(dn, "rule degrade mode");
            if (effect is not null && effect != RuleEffect.Degrade)
            {
                _r.Error(dn, BundleErrorCodes.InvalidValue, $"rule '{id}': degrade applies only to effect degrade");
            }
            else if (degrade == DegradeMode.Route)
            {
                _r.Error(dn, BundleErrorCodes.InvalidValue, $"rule '{id}': a rule chooses read_only, redact, dry_run or mask (route needs a catalog route)");
            }
        }

        var requires = RequiredFields.None;
        if (f["require"] is { } rq)
        {
            foreach (var field in _r.EnumList<RequiredFields>(rq, "required field") ?? [])
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

    private RuleMatch? ParseRuleMatch(YamlNode node, string? ruleId)
    {
        var what = $"rule '{ruleId}' match";
        var f = _r.Mapping(node, what, "agents", "tools", "action_types", "targets", "allowed_targets", "data_classes", "args", "provenance", "external", "not", "any", "all");
        if (f is null)
        {
            return null;
        }

        var targets = f["targets"] is { } tn ? ParseTargetConditions(tn, "targets") : null;
        var allowedTargets = f["allowed_targets"] is { } atn ? ParseTargetConditions(atn, "allowed_targets") : null;
        var not = f["not"] is { } notNode ? ParseRuleMatch(notNode, ruleId) : null;
        var any = f["any"] is { } anyNode ? NestedMatches(anyNode, ruleId, "any") : null;
        var all = f["all"] is { } allNode ? NestedMatches(allNode, ruleId, "all") : null;

        List<ArgumentCondition>? args = null;
        if (f["args"] is { } an)
        {
            args = [];
            foreach (var item in _r.Sequence(an, "args"))
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
            foreach (var item in _r.Sequence(pn, "provenance"))
            {
                var pf = _r.Mapping(item, "provenance condition", "arg_path", "source");
                if (pf?.Required("source") is { } sourceNode)
                {
                    var sources = sourceNode is YamlSequenceNode ? _r.EnumList<ProvenanceSource>(sourceNode, "provenance source") ?? [] : _r.Enum<ProvenanceSource>(sourceNode, "provenance source") is { } one ? [one] : [];
                    provenance.Add(new ProvenanceCondition { ArgPath = pf.OptionalString("arg_path"), Sources = sources });
                }
            }
        }

        return new RuleMatch
        {
            Agents = f["agents"] is { } a ? ReferencedList(a, "agent-glob", what) : null,
            Tools = f["tools"] is { } t ? ReferencedList(t, "tool-glob", what) : null,
            ActionTypes = f["action_types"] is { } at ? _r.EnumList<ActionType>(at, "action type") : null,
            Targets = targets,
            DataClasses = f["data_classes"] is { } dc ? _r.DataClasses(dc, "data class") : null,
            Args = args,
            Provenance = provenance,
            External = f["external"] is { } ex ? _r.Bool(ex, "external") : null,
            AllowedTargets = allowedTargets,
            Not = not,
            Any = any,
            All = all,
        };
    }

    private List<TargetCondition> ParseTargetConditions(YamlNode node, string what)
    {
        var targets = new List<TargetCondition>();
        foreach (var item in _r.Sequence(node, what))
        {
            var tf = _r.Mapping(item, "target condition", "kind", "value");
            if (tf?.RequiredString("value") is { } value)
            {
                targets.Add(new TargetCondition { Kind = tf["kind"] is { } kk ? _r.Enum<TargetKind>(kk, "target kind") : null, Value = value });
            }
        }

        return targets;
    }

    private List<RuleMatch> NestedMatches(YamlNode node, string? ruleId, string what)
    {
        var list = new List<RuleMatch>();
        foreach (var item in _r.Sequence(node, $"rule '{ruleId}' match.{what}"))
        {
            if (ParseRuleMatch(item, ruleId) is { } inner)
            {
                list.Add(inner);
            }
        }

        if (list.Count == 0 && node is YamlSequenceNode)
        {
            _r.Error(node, BundleErrorCodes.MissingRequired, $"rule '{ruleId}' match.{what} needs at least one match");
        }

        return list;
    }

    private ArgumentCondition? ParseArgumentCondition(YamlNode node)
    {
        var f = _r.Mapping(node, "argument condition", "path", "equals", "glob", "regex", "not_in");
        if (f?.RequiredString("path") is not { } path)
        {
            return null;
        }

        if (!JsonPath.IsValid(path))
        {
            _r.Error(f["path"]!, BundleErrorCodes.InvalidPath, $"'{path}' is not a supported JSON path ($, .name, [index])");
        }

        var given = (f["equals"] is null ? 0 : 1) + (f["glob"] is null ? 0 : 1) + (f["regex"] is null ? 0 : 1) + (f["not_in"] is null ? 0 : 1);
        if (given != 1)
        {
            _r.Error(node, BundleErrorCodes.InvalidValue, $"argument condition on '{path}' needs exactly one of equals, glob, regex, not_in");
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
                _r.Error(f["regex"]!, BundleErrorCodes.InvalidRegex, $"regex '{pattern}' is invalid: {ex.Message}");
                return null;
            }
        }

        List<string>? notIn = null;
        if (f["not_in"] is { } ni)
        {
            notIn = [.. _r.StringList(ni, "not_in").Select(x => x.Value)];
            if (notIn.Count == 0)
            {
                _r.Error(ni, BundleErrorCodes.MissingRequired, $"argument condition on '{path}': not_in needs at least one allowed value");
            }
        }

        return new ArgumentCondition { Path = path, EqualsValue = f.OptionalString("equals"), Glob = f.OptionalString("glob"), Regex = regex, NotIn = notIn };
    }

    private RateLimit? ParseRateLimit(YamlNode node)
    {
        var f = _r.Mapping(node, "rate limit", "scope", "agent", "tool", "limit", "window");
        if (f is null)
        {
            return null;
        }

        var scope = f.Required("scope") is { } s ? _r.Enum<RateLimitScope>(s, "rate limit scope") : null;
        var agent = f.OptionalString("agent");
        var tool = f.OptionalString("tool");
        if (agent is not null)
        {
            Reference(f["agent"]!, "agent", agent, "rate limit");
        }

        if (tool is not null)
        {
            Reference(f["tool"]!, "tool", tool, "rate limit");
        }

        if (scope == RateLimitScope.Tenant && (agent is not null || tool is not null))
        {
            _r.Error(node, BundleErrorCodes.InvalidValue, "a tenant-scoped rate limit takes no agent or tool");
        }

        if (scope == RateLimitScope.Agent && tool is not null)
        {
            _r.Error(f["tool"]!, BundleErrorCodes.InvalidValue, "an agent-scoped rate limit takes no tool (use scope tool)");
        }

        var limit = f.Required("limit") is { } l ? _r.Integer(l, "limit", 1) : null;
        var window = f.Required("window") is { } w ? _r.Duration(w, "window") : null;
        return scope is null || limit is null || window is null ? null : new RateLimit
        {
            Scope = scope.Value,
            Agent = agent == "*" ? null : agent,
            Tool = tool == "*" ? null : tool,
            Limit = (int)Math.Min(limit.Value, int.MaxValue),
            Window = window.Value,
        };
    }

    private TokenBudget? ParseBudget(YamlNode node)
    {
        var f = _r.Mapping(node, "budget", "agent", "connector", "tokens", "window");
        if (f is null)
        {
            return null;
        }

        var agent = f.OptionalString("agent") ?? "*";
        var connector = f.OptionalString("connector") ?? "*";
        if (f["agent"] is { } an)
        {
            Reference(an, "agent", agent, "budget");
        }

        if (f["connector"] is { } cn)
        {
            Reference(cn, "tool", connector, "budget");
        }

        var tokens = f.Required("tokens") is { } t ? _r.Integer(t, "tokens", 1) : null;
        var window = f.Required("window") is { } w ? _r.Duration(w, "window") : null;
        return tokens is null || window is null ? null : new TokenBudget { Agent = agent, Connector = connector, Tokens = tokens.Value, Window = window.Value };
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex Slug();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex EnvName();

    [GeneratedRegex("^[A-Za-z0-9-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderName();

    [GeneratedRegex("^[a-z][a-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ReasonCode();

    [GeneratedRegex("^[0-9a-f]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex PolicyDigestText();
}
