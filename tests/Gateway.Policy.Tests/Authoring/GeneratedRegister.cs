namespace Gateway.Policy.Tests.Authoring;

/// <summary>A large synthetic register (agents × tools) for the analyser's scale test and benchmark.</summary>
internal static class GeneratedRegister
{
    public static TenantPolicy Create(int agents, int tools)
    {
        var types = new[] { ActionType.Read, ActionType.Write, ActionType.Financial, ActionType.External, ActionType.Read, ActionType.ModelInference };
        var catalog = Enumerable.Range(0, tools).Select(i => new CatalogEntry
        {
            Name = $"tool-{i}",
            Kind = ConnectorKind.Http,
            ActionType = types[i % types.Length],
            TargetSystem = $"system-{i % 7}",
            DataClasses = i % 5 == 0 ? DataClassSet.Pii : DataClassSet.Internal,
            External = types[i % types.Length] == ActionType.External,
            Upstream = new Uri("http://127.0.0.1:9/t"),
        }).ToList();
        var levels = new[] { AtfLevel.L1, AtfLevel.L2, AtfLevel.L3, AtfLevel.L4 };
        var records = Enumerable.Range(0, agents).Select(i => new AgentRecord
        {
            Id = $"agent-{i}",
            HumanOwner = "owner",
            SecurityOwner = "sec",
            AtfLevel = levels[i % levels.Length],
            Permissions = [.. Enumerable.Range(0, 10).Select(k => (i * 7 + k * 19) % tools).Distinct().Select(t => new ToolPermission { Tool = $"tool-{t}", ActionTypes = [catalog[t].ActionType] })],
        }).ToList();
        var register = new TenantRegister
        {
            Tenant = "generated",
            Workspaces = ["ws"],
            Approvers = [new Approver { Id = "sec" }, new Approver { Id = "fin" }],
            Catalog = catalog,
            Agents = records,
            Gates =
            [
                new ApprovalGate { Id = "financial", ActionTypes = [ActionType.Financial], Approvers = ["fin"] },
                new ApprovalGate { Id = "external", ActionTypes = [ActionType.External], Approvers = ["sec"] },
            ],
            DataFlows = [new DataFlow { Agent = "*", Tool = "tool-0", DataClasses = DataClassSet.Pii }],
            Rules =
            [
                new CustomRule { Id = "pi-egress", Kind = CustomRuleKind.PromptInjectionEgress, Match = new RuleMatch { Tools = ["tool-3", "tool-9"] }, Effect = RuleEffect.Block, Reason = "blocked_prompt_injection" },
                new CustomRule { Id = "big-refunds", Match = new RuleMatch { Tools = ["tool-2"], Args = [new ArgumentCondition { Path = "$.amount", Glob = "1000*" }] }, Effect = RuleEffect.Block, Reason = "big_refund" },
                new CustomRule { Id = "never-fires", Match = new RuleMatch { Agents = ["nobody"] }, Effect = RuleEffect.Block, Reason = "never" },
            ],
        };
        return TenantPolicy.Create(register, new string('0', 64));
    }
}
