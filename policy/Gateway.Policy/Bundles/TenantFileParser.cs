using System.Collections.Frozen;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>
/// Parses and validates one tenant file into a <see cref="TenantRegister"/>, collecting every error: the top-level
/// keys here, each section by its parser (Sections/), then duplicate ids and the <see cref="CrossReferences"/>.
/// References are checked after all sections are read, so section order in the file does not matter.
/// </summary>
internal sealed partial class TenantFileParser
{
    // A section written with no entries (`rules:` and nothing under it) has none, as `rules: []` does.
    private static readonly FrozenSet<string> Sections = FrozenSet.Create(StringComparer.Ordinal,
        "approvers", "agents", "catalog", "approval_gates", "data_flows", "risks", "red_team_tests", "rules", "rate_limits", "budgets", "run_limits", "compatible_with");

    private readonly YamlNodeReader _r;
    private readonly CrossReferences _references;
    private readonly ApprovalSectionParser _approvals;
    private readonly CatalogSectionParser _catalog;
    private readonly AgentSectionParser _agents;
    private readonly DataFlowSectionParser _flows;
    private readonly RiskSectionParser _risks;
    private readonly RuleSectionParser _rules;
    private readonly LimitSectionParser _limits;
    private readonly PersonSectionParser _people;
    private readonly DelegationSectionParser _delegation;

    public TenantFileParser(YamlNodeReader reader, string baseDirectory, Func<string, bool>? fileExists)
    {
        _r = reader;
        _references = new CrossReferences(reader);
        var secrets = new SecretReferenceParser(reader, baseDirectory, fileExists);
        _approvals = new ApprovalSectionParser(reader, _references);
        _people = new PersonSectionParser(reader, secrets);
        _catalog = new CatalogSectionParser(reader, _references, secrets, new ConnectorSettingsParser(reader), new DegradeSpecParser(reader), _people);
        _agents = new AgentSectionParser(reader, _references, secrets);
        _flows = new DataFlowSectionParser(reader, _references);
        _risks = new RiskSectionParser(reader, _references);
        _rules = new RuleSectionParser(reader, _references, new RuleMatchParser(reader, _references));
        _limits = new LimitSectionParser(reader, _references);
        _delegation = new DelegationSectionParser(reader);
    }

    public TenantRegister? Parse(YamlNode root)
    {
        var f = _r.Mapping(root, "tenant file", Sections, "tenant", "environment", "simulate", "workspaces", "approvers", "agents", "catalog",
            "approval_gates", "data_flows", "risks", "red_team_tests", "rules", "rate_limits", "budgets", "run_limits", "default_verdict", "compatible_with", "delegation", "openid_provider");
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

        var approvers = List(f["approvers"], "approvers", _approvals.ParseApprover);
        var catalog = List(f["catalog"], "catalog", _catalog.Parse);
        var agents = List(f["agents"], "agents", _agents.Parse);
        var gates = List(f["approval_gates"], "approval_gates", _approvals.ParseGate);
        var flows = List(f["data_flows"], "data_flows", _flows.Parse);
        var risks = List(f["risks"], "risks", _risks.ParseRisk);
        var tests = List(f["red_team_tests"], "red_team_tests", _risks.ParseRedTeam);
        var rules = List(f["rules"], "rules", _rules.Parse);
        var limits = List(f["rate_limits"], "rate_limits", _limits.ParseRateLimit);
        var budgets = List(f["budgets"], "budgets", _limits.ParseBudget);
        var runLimits = List(f["run_limits"], "run_limits", _limits.ParseRunLimits);
        var openIdProvider = f["openid_provider"] is { } op ? _people.ParseProvider(op) : null;
        _people.CheckRequirements(openIdProvider, catalog);
        foreach (var (agent, agentNode) in agents)
        {
            if (agent.Interactive is not { } interactive)
            {
                continue;
            }

            if (openIdProvider?.ClientId is null && interactive.SignIn == InteractiveSignIn.OpenIdProvider)
            {
                _r.Error(agentNode, BundleErrorCodes.DanglingReference, $"agent '{agent.Id}' accepts interactive clients, but the tenant's openid_provider names no client_id and client_secret to sign people in with (a make run demo without a provider: interactive.sign_in: development_admin_token)");
            }

            if (!workspaces.Contains(interactive.Workspace))
            {
                _r.Error(agentNode, BundleErrorCodes.DanglingReference, $"agent '{agent.Id}' interactive.workspace '{interactive.Workspace}' is not one of the tenant's workspaces");
            }
        }

        var delegation = _delegation.Parse(f["delegation"]);
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
        CheckIds(runLimits.Select(g => (g.Item.Agent, g.Node)), "run_limits agent");
        _references.CheckMcpTools();
        _references.CheckReferences();

        return slug is null ? null : new TenantRegister
        {
            Tenant = slug,
            Environment = environment,
            Simulate = f.OptionalBool("simulate", false),
            Workspaces = workspaces,
            Approvers = Items(approvers),
            Catalog = [.. catalog.Select(p => _references.WithConnectorLimits(p.Item))],
            Agents = Items(agents),
            Gates = Items(gates),
            DataFlows = Items(flows),
            Risks = Items(risks),
            RedTeamTests = Items(tests),
            Rules = Items(rules),
            RateLimits = Items(limits),
            Budgets = Items(budgets),
            RunLimits = Items(runLimits),
            DefaultVerdict = defaultVerdict,
            CompatibleWith = compatibleWith,
            OpenIdProvider = openIdProvider,
            Delegation = delegation,
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

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Slug();

    [GeneratedRegex("^[0-9a-f]{64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex PolicyDigestText();
}
