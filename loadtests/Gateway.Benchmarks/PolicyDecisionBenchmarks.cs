using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Gateway.Policy;

namespace Gateway.Benchmarks;

/// <summary>
/// Decision time and allocations of <see cref="DecisionEngine.Evaluate"/> (describe + intent digest + 11 controls
/// + rules) for an allow path and a block path, on registers of 10 and 10,000 agents × 50 tools built in memory.
/// </summary>
[MemoryDiagnoser]
public class PolicyDecisionBenchmarks
{
    private const int ToolCount = 50;
    private TenantPolicy _tenant = null!;
    private ActionRequest _allow = null!;
    private ActionRequest _block = null!;
    private AuthenticatedCaller _caller = null!;

    [Params(10, 10_000)]
    public int Agents { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var catalog = Enumerable.Range(0, ToolCount).Select(i => new CatalogEntry
        {
            Name = $"tool.{i}",
            Kind = ConnectorKind.Http,
            ActionType = i % 2 == 0 ? ActionType.Read : ActionType.Write,
            TargetSystem = "crm",
            DataClasses = DataClassSet.Internal,
            Upstream = new Uri("http://127.0.0.1:9110/"),
        }).ToList();
        catalog.Add(new CatalogEntry { Name = "shell.exec", Kind = ConnectorKind.Http, ActionType = ActionType.CodeModification, RiskTier = RiskTier.Critical, Upstream = new Uri("http://127.0.0.1:9150/") });
        var permissions = catalog.Take(ToolCount).Select(e => new ToolPermission { Tool = e.Name, ActionTypes = [e.ActionType] }).ToList();
        var agents = Enumerable.Range(0, Agents).Select(i => new AgentRecord
        {
            Id = $"agent-{i}",
            HumanOwner = "owner",
            SecurityOwner = "sec",
            AtfLevel = AtfLevel.L3,
            RiskTier = RiskTier.Medium,
            Permissions = permissions,
        }).ToList();
        var register = new TenantRegister
        {
            Tenant = "bench",
            Workspaces = ["ws"],
            Agents = agents,
            Catalog = catalog,
            Approvers = [new Approver { Id = "alice" }],
            Gates = [new ApprovalGate { Id = "pay", ActionTypes = [ActionType.Financial], Approvers = ["alice"] }],
            Rules = [new CustomRule { Id = "pi", Kind = CustomRuleKind.PromptInjectionEgress, Effect = RuleEffect.Block, Reason = "blocked_prompt_injection" }],
        };
        _tenant = TenantPolicy.Create(register, new string('0', 64));
        _caller = new AuthenticatedCaller("bench", "ws", $"agent-{Agents / 2}");
        using var args = JsonDocument.Parse("""{"id":"c-42","fields":["name","email"]}""");
        _allow = new ActionRequest { Tool = "tool.10", Args = args.RootElement.Clone() };
        _block = new ActionRequest { Tool = "shell.exec", Args = args.RootElement.Clone() };
    }

    [Benchmark(Baseline = true)]
    public Decision AllowPath() => DecisionEngine.Instance.Evaluate(_tenant, _caller, _allow);

    [Benchmark]
    public Decision BlockPath() => DecisionEngine.Instance.Evaluate(_tenant, _caller, _block);
}
