using System.Text.Json.Nodes;

namespace Gateway.Policy.Authoring;

/// <summary>
/// One request-dependent leaf condition of a rule (an argument condition, a target or provenance list, the built-in
/// taint condition, or a required field's presence). The analyser enumerates every truth assignment of a cell's
/// atoms, synthesises a concrete request for it and checks that the request realises the assignment.
/// </summary>
internal abstract record RequestAtom
{
    /// <summary>Whether the atom holds for a concrete request.</summary>
    public abstract bool Holds(ActionRequest request);

    /// <summary>Adds to <paramref name="draft"/> what makes the atom hold.</summary>
    public abstract void MakeTrue(RequestDraft draft);

    /// <summary>Adds what the atom needs to hold to <paramref name="draft"/>, or nothing (the empty request makes most atoms false).</summary>
    public virtual void MakeFalse(RequestDraft draft)
    {
    }

    /// <summary>Collects the atoms of <paramref name="match"/> and its nested matches into <paramref name="atoms"/>.</summary>
    public static void Collect(RuleMatch match, List<RequestAtom> atoms)
    {
        if (match.Args is { } args)
        {
            foreach (var condition in args)
            {
                Add(atoms, new ArgumentAtom(condition));
            }
        }

        if (match.Targets is { } targets)
        {
            Add(atoms, new TargetAtom(targets, Outside: false));
        }

        if (match.AllowedTargets is { } allowed)
        {
            Add(atoms, new TargetAtom(allowed, Outside: true));
        }

        if (match.Provenance is { } provenance)
        {
            Add(atoms, new ProvenanceAtom(provenance));
        }

        if (match.Not is { } not)
        {
            Collect(not, atoms);
        }

        foreach (var inner in (match.Any ?? []).Concat(match.All ?? []))
        {
            Collect(inner, atoms);
        }
    }

    public static void Add(List<RequestAtom> atoms, RequestAtom atom)
    {
        foreach (var existing in atoms)
        {
            if (existing.SameAs(atom))
            {
                return;
            }
        }

        atoms.Add(atom);
    }

    /// <summary>Identity for de-duplication: the same condition object, or the same kind of presence atom.</summary>
    protected abstract bool SameAs(RequestAtom other);

    /// <summary>A value a glob matches: every <c>*</c> dropped and every <c>?</c> an <c>a</c>.</summary>
    public static string Instance(string glob) => glob.Replace("*", string.Empty, StringComparison.Ordinal).Replace('?', 'a');
}

/// <summary>An argument condition.</summary>
internal sealed record ArgumentAtom(ArgumentCondition Condition) : RequestAtom
{
    public override bool Holds(ActionRequest request) => RuleMatcher.ArgumentMatches(Condition, request.Args);

    public override void MakeTrue(RequestDraft draft)
    {
        if (Condition.EqualsValue is { } equals)
        {
            draft.SetArgument(Condition.Path, equals);
        }
        else if (Condition.Glob is { } glob)
        {
            draft.SetArgument(Condition.Path, Instance(glob));
        }
        else if (Condition.NotIn is not null)
        {
            draft.SetArgument(Condition.Path, "outside.analysis.invalid");
        }
        else if (Condition.Regex is { } regex)
        {
            var candidate = RegexSample.Find(regex);
            if (candidate is not null)
            {
                draft.SetArgument(Condition.Path, candidate);
            }
        }
    }

    protected override bool SameAs(RequestAtom other) => other is ArgumentAtom a && ReferenceEquals(a.Condition, Condition);
}

/// <summary>A target condition list (some target matches) or an allowlist (some target is outside it).</summary>
internal sealed record TargetAtom(IReadOnlyList<TargetCondition> Conditions, bool Outside) : RequestAtom
{
    public override bool Holds(ActionRequest request) => RuleMatcher.AnyTarget(Conditions, request.Targets, matched: !Outside);

    public override void MakeTrue(RequestDraft draft)
    {
        var first = Conditions[0];
        draft.Targets.Add(Outside
            ? new ActionTarget { Kind = first.Kind ?? TargetKind.Url, Value = "outside.analysis.invalid" }
            : new ActionTarget { Kind = first.Kind ?? TargetKind.Other, Value = Instance(first.Value) });
    }

    protected override bool SameAs(RequestAtom other) => other is TargetAtom t && ReferenceEquals(t.Conditions, Conditions);
}

/// <summary>A provenance condition list.</summary>
internal sealed record ProvenanceAtom(IReadOnlyList<ProvenanceCondition> Conditions) : RequestAtom
{
    public override bool Holds(ActionRequest request) => RuleMatcher.AnyProvenanceMatches(Conditions, request.Provenance);

    public override void MakeTrue(RequestDraft draft)
    {
        var first = Conditions[0];
        if (first.Sources.Count > 0)
        {
            draft.Provenance.Add(new ProvenanceEntry { ArgPath = first.ArgPath is { } path ? Instance(path) : "$.content", Source = first.Sources[0] });
        }
    }

    protected override bool SameAs(RequestAtom other) => other is ProvenanceAtom p && ReferenceEquals(p.Conditions, Conditions);
}

/// <summary>The built-in prompt-injection condition: some argument came from external content or tool output.</summary>
internal sealed record TaintAtom : RequestAtom
{
    public override bool Holds(ActionRequest request) => request.Provenance?.Any(p => p.Source is ProvenanceSource.External or ProvenanceSource.ToolOutput) == true;

    public override void MakeTrue(RequestDraft draft) => draft.Provenance.Add(new ProvenanceEntry { ArgPath = "$.content", Source = ProvenanceSource.External });

    protected override bool SameAs(RequestAtom other) => other is TaintAtom;
}

/// <summary>A field a rule requires is present in the request.</summary>
internal sealed record PresenceAtom(RequiredFields Field) : RequestAtom
{
    public override bool Holds(ActionRequest request) => RuleMatcher.Missing(new CustomRule { Id = "presence", Effect = RuleEffect.Block, Reason = "presence", Requires = Field }, request) == RequiredFields.None;

    public override void MakeTrue(RequestDraft draft) => draft.Present |= Field;

    protected override bool SameAs(RequestAtom other) => other is PresenceAtom p && p.Field == Field;
}

/// <summary>A request under construction.</summary>
internal sealed class RequestDraft
{
    public JsonObject Args { get; } = [];

    public List<ActionTarget> Targets { get; } = [];

    public List<ProvenanceEntry> Provenance { get; } = [];

    public RequiredFields Present { get; set; }

    /// <summary>Sets the argument at a JSON path (<c>$.a.b[0]</c>); a second value at one path makes it an array (arrays match element-wise).</summary>
    public void SetArgument(string path, string value)
    {
        JsonNode parent = Args;
        var segments = JsonPathSegments.Parse(path);
        if (segments.Count == 0)
        {
            return;
        }

        for (var i = 0; i < segments.Count; i++)
        {
            var last = i == segments.Count - 1;
            var (name, index) = segments[i];
            JsonNode? next = last ? null : segments[i + 1].Name is null ? new JsonArray() : new JsonObject();
            if (name is not null && parent is JsonObject obj)
            {
                if (last)
                {
                    obj[name] = obj[name] switch
                    {
                        JsonArray array => Append(array, value),
                        JsonValue existing => new JsonArray(existing.DeepClone(), JsonValue.Create(value)),
                        _ => JsonValue.Create(value),
                    };
                    return;
                }

                obj[name] ??= next;
                parent = obj[name]!;
            }
            else if (index is { } n && parent is JsonArray array)
            {
                while (array.Count <= n)
                {
                    array.Add(null);
                }

                if (last)
                {
                    array[n] = JsonValue.Create(value);
                    return;
                }

                array[n] ??= next;
                parent = array[n]!;
            }
            else
            {
                return;
            }
        }
    }

    public ActionRequest Build(string tool, IReadOnlyList<DataClass>? classes)
    {
        if ((Present & RequiredFields.Targets) != 0 && Targets.Count == 0)
        {
            Targets.Add(new ActionTarget { Kind = TargetKind.Other, Value = "analysis" });
        }

        if ((Present & RequiredFields.Provenance) != 0 && Provenance.Count == 0)
        {
            Provenance.Add(new ProvenanceEntry { ArgPath = "$.analysis", Source = ProvenanceSource.User });
        }

        if ((Present & RequiredFields.Args) != 0 && Args.Count == 0)
        {
            Args["analysis"] = "x";
        }

        return new ActionRequest
        {
            Tool = tool,
            Args = Args.Count == 0 ? default : System.Text.Json.JsonDocument.Parse(Args.ToJsonString()).RootElement.Clone(),
            Targets = Targets.Count == 0 ? null : [.. Targets],
            Provenance = Provenance.Count == 0 ? null : [.. Provenance],
            DataClasses = classes,
        };
    }

    private static JsonArray Append(JsonArray array, string value)
    {
        array.Add(JsonValue.Create(value));
        return array;
    }
}
