namespace Gateway.Policy.Authoring;

// The request space of one (agent, catalog tool) cell: every concrete request it holds, built and decided.
public sealed partial class RegisterAnalyzer
{
    /// <summary>Every concrete request of one cell with its decision; the first is the plain request (no classes, no atoms).</summary>
    public IEnumerable<Witness> Points(AgentRecord agent, CatalogEntry entry, TargetKind? forcedTarget)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(entry);
        var caller = new AuthenticatedCaller(_tenant.Slug, _tenant.Workspaces.Count > 0 ? _tenant.Workspaces[0] : string.Empty, agent.Id);
        var plainRequest = Build(new RequestDraft(), entry, DataClassSet.None, forcedTarget);
        var plain = DecisionEngine.Instance.Evaluate(_tenant, caller, plainRequest);
        Interlocked.Increment(ref _points);
        yield return new Witness(agent.Id, entry.Name, plainRequest, plain);
        if (plain.Descriptor is not { } descriptor)
        {
            yield break;
        }

        var atoms = new List<RequestAtom>();
        var scope = descriptor with { DataClasses = AllClasses };
        foreach (var rule in _tenant.RuleArray)
        {
            if (!RuleMatcher.InScope(rule with { Match = rule.Match with { DataClasses = null } }, scope))
            {
                continue;
            }

            RequestAtom.Collect(rule.Match, atoms);
            if (rule.Kind == CustomRuleKind.PromptInjectionEgress)
            {
                RequestAtom.Add(atoms, new TaintAtom());
            }

            foreach (var field in new[] { RequiredFields.Provenance, RequiredFields.Targets, RequiredFields.Args, RequiredFields.DataClasses })
            {
                if ((rule.Requires & field) != 0)
                {
                    RequestAtom.Add(atoms, new PresenceAtom(field));
                }
            }
        }

        var blockedByControls = IsFixedBlock(plain);
        if (blockedByControls && atoms.Count == 0)
        {
            yield break;
        }

        if (atoms.Count > MaxAtoms)
        {
            _truncated = true;
            atoms.RemoveRange(MaxAtoms, atoms.Count - MaxAtoms);
        }

        var free = DataClassSets.ToList(_relevant & ~entry.DataClasses);
        for (var mask = 0; mask < 1 << free.Count; mask++)
        {
            var widening = DataClassSet.None;
            for (var b = 0; b < free.Count; b++)
            {
                if ((mask & (1 << b)) != 0)
                {
                    widening |= free[b].ToSet();
                }
            }

            for (var assignment = 0; assignment < 1 << atoms.Count; assignment++)
            {
                if (mask == 0 && assignment == 0)
                {
                    continue;
                }

                var draft = new RequestDraft();
                for (var a = 0; a < atoms.Count; a++)
                {
                    if ((assignment & (1 << a)) != 0)
                    {
                        atoms[a].MakeTrue(draft);
                    }
                }

                var request = Build(draft, entry, widening, forcedTarget);
                for (var a = 0; a < atoms.Count; a++)
                {
                    if (atoms[a].Holds(request) != ((assignment & (1 << a)) != 0))
                    {
                        Interlocked.Increment(ref _unrealised);
                        break;
                    }
                }

                Interlocked.Increment(ref _points);
                yield return new Witness(agent.Id, entry.Name, request, DecisionEngine.Instance.Evaluate(_tenant, caller, request));
            }
        }
    }

    private static ActionRequest Build(RequestDraft draft, CatalogEntry entry, DataClassSet widening, TargetKind? forcedTarget)
    {
        if (forcedTarget is { } kind)
        {
            draft.Targets.Add(new ActionTarget { Kind = kind, Value = "analysis.example" });
        }

        var classes = widening != DataClassSet.None
            ? DataClassSets.ToList(widening)
            : (draft.Present & RequiredFields.DataClasses) != 0
                ? [entry.DataClasses != DataClassSet.None ? DataClassSets.ToList(entry.DataClasses)[0] : DataClass.Public]
                : null;
        return draft.Build(entry.Name, classes);
    }
}
