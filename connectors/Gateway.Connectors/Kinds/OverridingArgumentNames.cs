namespace Gateway.Connectors.Kinds;

/// <summary>
/// Argument names an upstream reads as an instruction about the call rather than as data: a dry run (<c>dry_run</c>,
/// <c>dryRun</c>, <c>dry-run</c> in any case) and a method override (<c>_method</c>, which Laravel, Symfony and Rails route
/// on). Each is matched also as PHP spells a query or form name it was sent as (<c>.</c>, a space and <c>[</c> reach it as
/// <c>_</c>). The governed envelopes and the transparent route refuse them alike.
/// </summary>
public static class OverridingArgumentNames
{
    /// <summary>True when <paramref name="name"/> sets a dry run.</summary>
    public static bool NamesADryRun(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var bare = string.Concat(name.Where(static c => c is not ('_' or '-' or '.' or ' ' or '[')));
        return string.Equals(bare, "dryrun", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>True when <paramref name="name"/> overrides the method of the call.</summary>
    public static bool OverridesTheMethod(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length == "_method".Length && name[0] is '_' or '.' or ' ' or '['
            && name.AsSpan(1).Equals("method", StringComparison.OrdinalIgnoreCase);
    }
}
